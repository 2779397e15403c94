// VMRUN consistency checks (svm.md 9.2, APM Vol.2 15.5.1): break exactly one field of a
// valid VMCB, VMRUN must #VMEXIT with EXITCODE = -1 (VMEXIT_INVALID) without loading or
// running the guest. Plus the host-side legality of VMRUN/VMLOAD/VMSAVE (svm.md 2).
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, EXIT, CODE_VA, DATA_HPA, asm, hex } from './vm';
import { VMRUN_CHECKS } from '../../src/cpu/svm/consistency-checks';
import * as vmrunMod from '../../src/cpu/svm/vmrun';
import { SvmInstructionError } from '../../src/cpu/svm/vmrun';

// The guest stores a marker; it must never run when VMRUN fails.
const [CODE] = asm('mov dword [0x10000000], 0x600dc0de');
const RAX_MARK = 0x1122334455667788n;

/** One breaker per check: mutate exactly the field the check looks at. */
const BREAK: Record<string, (v: Vm) => void> = {
  efer_svme_clear: (v) => v.w64(VMCB.EFER, v.r64(VMCB.EFER) & ~(1n << 12n)),
  cr0_cd0_nw1: (v) => v.w64(VMCB.CR0, v.r64(VMCB.CR0) | (1n << 29n)), // NW=1, CD=0
  cr0_high_bits: (v) => v.w64(VMCB.CR0, v.r64(VMCB.CR0) | (1n << 32n)),
  cr3_mbz: (v) => v.w64(VMCB.CR3, v.r64(VMCB.CR3) | (1n << 45n)), // above MAXPHYADDR (40), below 52
  cr4_mbz: (v) => v.w64(VMCB.CR4, v.r64(VMCB.CR4) | (1n << 32n)),
  dr6_dr7_high_bits: (v) => v.w64(VMCB.DR6, 0xffff0ff0n | (1n << 32n)),
  efer_mbz: (v) => v.w64(VMCB.EFER, v.r64(VMCB.EFER) | (1n << 3n)), // EFER bits 7:1 reserved
  lme_pg_without_pae: (v) => v.w64(VMCB.CR4, v.r64(VMCB.CR4) & ~0x20n),
  lme_pg_without_pe: (v) => v.w64(VMCB.CR0, v.r64(VMCB.CR0) & ~1n),
  long_mode_cs_l_and_d: (v) => v.mem.write16(v.vmcb + VMCB.CS_ATTRIB, 0x29b | 0x400),
  vmrun_intercept_clear: (v) => v.w32(VMCB.INTERCEPT_WORD4, v.r32(VMCB.INTERCEPT_WORD4) & ~1),
  msrpm_iopm_beyond_maxphyaddr: (v) => v.w64(VMCB.MSRPM_BASE_PA, (1n << 40n) - 0x1000n), // 8 KiB map crosses 2^40
  illegal_eventinj: (v) => v.w32(VMCB.EVENTINJ, 0x80000000 | (1 << 8) | 0x20), // TYPE 1 is reserved
  asid_zero: (v) => v.w32(VMCB.GUEST_ASID, 0),
  np_unsupported_or_bad_ncr3: (v) => v.w64(VMCB.N_CR3, v.r64(VMCB.N_CR3) | (1n << 45n)),
  g_pat_invalid_type: (v) => v.w64(VMCB.G_PAT, 0x0007040600070402n), // PA0 = 2 is reserved
};

function expectInvalid(v: Vm, check: string): void {
  v.w64(VMCB.RAX, RAX_MARK);
  v.cpu.vmrun(v.vmcb, 1000);
  assert.equal(hex(v.r64(VMCB.EXITCODE)), hex(EXIT.INVALID), 'EXITCODE = VMEXIT_INVALID');
  assert.equal(vmrunMod.lastFailedCheck, check);
  assert.equal(v.r64(VMCB.RIP), BigInt(CODE_VA), 'RIP in the VMCB untouched');
  assert.equal(v.r64(VMCB.RAX), RAX_MARK, 'RAX in the VMCB untouched');
  assert.equal(v.mem.read32(DATA_HPA), 0, 'the guest did not run');
  assert.equal(v.cpu.guestMode, false, 'back in host mode');
}

test('baseline VMCB is valid: the guest runs to VMMCALL', () => {
  const v = new Vm(CODE);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(vmrunMod.lastFailedCheck, null);
  assert.equal(v.mem.read32(DATA_HPA) >>> 0, 0x600dc0de);
});

for (const check of VMRUN_CHECKS) {
  test(`consistency check ${check.name} -> VMEXIT_INVALID`, () => {
    const brk = BREAK[check.name];
    assert.ok(brk, `no test breaks check '${check.name}'`);
    const v = new Vm(CODE);
    brk(v);
    expectInvalid(v, check.name);
  });
}

// svm.md 7: illegal EVENTINJ encodings beyond the reserved TYPE.
for (const [what, ev] of [
  ['exception with vector 2', 0x80000000 | (3 << 8) | 2],
  ['exception with vector 32', 0x80000000 | (3 << 8) | 32],
  ['reserved bits 30:12', 0x80000000 | (1 << 12) | 0x20],
  ['TYPE 7', 0x80000000 | (7 << 8) | 0x20],
] as const) {
  test(`EVENTINJ ${what} -> VMEXIT_INVALID`, () => {
    const v = new Vm(CODE);
    v.w32(VMCB.EVENTINJ, ev);
    expectInvalid(v, 'illegal_eventinj');
  });
}

test('paged real mode (CR0.PE=0, PG=1, LME=0) passes the checks (svm.md 14)', () => {
  const v = new Vm(CODE);
  v.w64(VMCB.EFER, 0x1000n);
  v.w64(VMCB.CR0, 0x80000010n);
  v.cpu.vmrun(v.vmcb, 1);
  assert.notEqual(hex(v.r64(VMCB.EXITCODE)), hex(EXIT.INVALID));
  assert.equal(vmrunMod.lastFailedCheck, null);
});

// --- Host-side legality (svm.md 2): #UD if EFER.SVME = 0, #GP if rAX is not a 4K-aligned PA in memory.
function throwsSvm(f: () => void, exc: '#UD' | '#GP'): void {
  assert.throws(f, (e: unknown) => e instanceof SvmInstructionError && e.exception === exc);
}
test('VMRUN/VMLOAD/VMSAVE with an unaligned VMCB address: #GP', () => {
  const v = new Vm(CODE);
  throwsSvm(() => v.cpu.vmrun(v.vmcb + 0x10), '#GP');
  throwsSvm(() => v.cpu.vmload(0x801), '#GP');
  throwsSvm(() => v.cpu.vmsave(0x7ff), '#GP');
});
test('VMRUN/VMLOAD/VMSAVE beyond host memory: #GP', () => {
  const v = new Vm(CODE);
  throwsSvm(() => v.cpu.vmrun(v.mem.size), '#GP');
  throwsSvm(() => v.cpu.vmrun(2 ** 40), '#GP');
  throwsSvm(() => v.cpu.vmload(v.mem.size), '#GP');
  throwsSvm(() => v.cpu.vmsave(-4096), '#GP');
});
test('SVM instructions with host EFER.SVME clear: #UD', () => {
  const v = new Vm(CODE);
  v.cpu.hostEfer &= ~(1 << 12);
  throwsSvm(() => v.cpu.vmrun(v.vmcb), '#UD');
  throwsSvm(() => v.cpu.vmload(v.vmcb), '#UD');
  throwsSvm(() => v.cpu.vmsave(v.vmcb), '#UD');
  throwsSvm(() => v.cpu.stgi(), '#UD');
  throwsSvm(() => v.cpu.clgi(), '#UD');
  throwsSvm(() => v.cpu.invlpga(0, 1), '#UD');
  assert.equal(v.mem.read32(DATA_HPA), 0, 'the guest did not run');
});
