// What #VMEXIT writes besides the exit code (svm.md 10; APM Vol.2 15.6-15.7): nRIP only for
// instruction intercepts (else 0), guest state saved (lazy flags materialized, RSP, RAX, CPL),
// CR2 untouched by an intercepted #PF, EXITINTINFO/EXITINFO2 cleared, host mode restored.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, EXIT, CODE_VA, asm, hex } from './vm';
import { RSP } from '../../src/cpu/regs';

const [UD2, PF, LOOP, NPF, FLAGS, VMM] = asm(
  'ud2',
  'mov eax, [0x40000000]',
  'jmp $',
  'mov eax, [0x10001000]',
  'mov rax, 5\ncmp rax, 5\nmov rsp, 0x10001230',
  'nop',
);

// APM 15.7.1: nRIP is saved for instruction intercepts (and IOIO, MSR, INT3/INTO/BOUND
// exceptions); for all other intercepts it is reset to zero.
for (const [name, code, prep, exit] of [
  ['#UD intercept', UD2, () => {}, 0x46n],
  ['#PF intercept', PF, () => {}, 0x4en],
  ['INTR', LOOP, () => {}, EXIT.INTR],
  ['NPF', NPF, (v: Vm) => v.unmapNested(0x10001000), EXIT.NPF],
  ['VINTR', VMM, (v: Vm) => { v.intercept(0x64); v.w64(VMCB.V_INTR, (1n << 24n) | (1n << 8n) | (2n << 16n)); v.w64(VMCB.RFLAGS, 0x202n); }, EXIT.VINTR],
  ['shutdown', UD2, (v: Vm) => v.w32(VMCB.INTERCEPT_EXCEPTIONS, 0), EXIT.SHUTDOWN],
] as const) {
  test(`nRIP = 0 on a ${name} exit`, {}, () => {
    const v = new Vm(code);
    prep(v);
    v.w64(VMCB.NRIP, 0xdeadn);
    const e = v.go(1000);
    assert.equal(hex(e.code), hex(exit));
    assert.equal(hex(e.nrip), '0x0');
  });
}

test('intercepted #PF leaves the guest CR2 unchanged (svm.md 6)', () => {
  const v = new Vm(PF);
  v.w64(VMCB.CR2, 0x1234n);
  const e = v.go();
  assert.equal(hex(e.code), '0x4e');
  assert.equal(hex(v.r64(VMCB.CR2)), '0x1234');
});

test('decode assists on an intercepted #PF: the faulting instruction bytes', () => {
  const v = new Vm(PF);
  const e = v.go();
  assert.equal(hex(e.code), '0x4e');
  assert.ok(e.insnLen >= PF.length, `GUEST_INSN_LEN ${e.insnLen}`);
  assert.deepEqual(e.insnBytes.slice(0, PF.length), [...PF]);
});

test('guest state saved on #VMEXIT: RFLAGS (lazy flags), RSP, RAX, RIP, CPL', () => {
  const v = new Vm(FLAGS);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  const f = v.r64(VMCB.RFLAGS);
  assert.equal(f & 0x40n, 0x40n, 'ZF from CMP');
  assert.equal(hex(f & 0x8d5n), '0x44', 'ZF and PF (result 0), nothing else');
  assert.equal(f & 2n, 2n, 'bit 1 reads as 1');
  assert.equal(hex(v.r64(VMCB.RSP)), '0x10001230');
  assert.equal(v.r64(VMCB.RAX), 5n);
  assert.equal(hex(e.rip), hex(BigInt(CODE_VA + FLAGS.length)));
  assert.equal(v.mem.read8(v.vmcb + VMCB.CPL), 0);
});

test('EXITINFO1/2 and EXITINTINFO from an earlier exit are not left behind', () => {
  const v = new Vm(VMM);
  v.w64(VMCB.EXITINFO1, 0x1111n); v.w64(VMCB.EXITINFO2, 0x2222n);
  v.w32(VMCB.EXITINTINFO, 0x80000030 | 0);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(e.info1, 0n);
  assert.equal(e.info2, 0n);
  assert.equal(e.intInfo, 0);
});

test('after #VMEXIT the CPU is back in host mode: guestMode off, ASID 0, GIF 0', () => {
  const v = new Vm(VMM);
  v.setReg(RSP, 0x10002000n);
  v.go();
  assert.equal(v.cpu.guestMode, false);
  assert.equal(v.cpu.asid, 0);
  assert.equal(v.cpu.gif, false);
});

test('resuming at nRIP after an instruction intercept continues the guest', () => {
  const [code] = asm('cpuid\nmov ebx, 0x77\ncpuid');
  const v = new Vm(code);
  v.intercept(0x72);
  const e1 = v.go();
  assert.equal(hex(e1.code), '0x72');
  assert.equal(hex(e1.rip), hex(BigInt(CODE_VA)));
  v.skip();
  const e2 = v.go();
  assert.equal(hex(e2.code), '0x72');
  assert.equal(hex(e2.rip), hex(e1.nrip + 5n), 'second CPUID after MOV EBX, imm32');
  assert.equal(v.cpu.getReg64Lo(3), 0x77);
});
