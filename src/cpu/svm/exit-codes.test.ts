import { test } from 'node:test';
import assert = require('node:assert/strict');
import { SvmExit, exitCodeName } from './exit-codes';

test('range exit codes (svm.md 5)', () => {
  for (let n = 0; n < 16; n++) {
    assert.equal(SvmExit[`CR${n as 0}_READ`], n);
    assert.equal(SvmExit[`CR${n as 0}_WRITE`], 0x10 + n);
    assert.equal(SvmExit[`DR${n as 0}_READ`], 0x20 + n);
    assert.equal(SvmExit[`DR${n as 0}_WRITE`], 0x30 + n);
    assert.equal(SvmExit[`CR${n as 0}_WRITE_TRAP`], 0x90 + n);
  }
});

test('named exit codes quoted in svm.md 5', () => {
  const expect: Record<string, number> = {
    EXCP_BASE: 0x40, EXCP_DE: 0x40, EXCP_DB: 0x41, EXCP_NMI: 0x42, EXCP_BP: 0x43, EXCP_OF: 0x44,
    EXCP_BR: 0x45, EXCP_UD: 0x46, EXCP_NM: 0x47, EXCP_DF: 0x48, EXCP_TS: 0x4a, EXCP_NP: 0x4b,
    EXCP_SS: 0x4c, EXCP_GP: 0x4d, EXCP_PF: 0x4e, EXCP_MF: 0x50, EXCP_AC: 0x51, EXCP_MC: 0x52,
    EXCP_XF: 0x53, EXCP_CP: 0x55,
    INTR: 0x60, NMI: 0x61, SMI: 0x62, INIT: 0x63, VINTR: 0x64, CR0_SEL_WRITE: 0x65, IDTR_READ: 0x66,
    GDTR_READ: 0x67, LDTR_READ: 0x68, TR_READ: 0x69, IDTR_WRITE: 0x6a, GDTR_WRITE: 0x6b,
    LDTR_WRITE: 0x6c, TR_WRITE: 0x6d, RDTSC: 0x6e, RDPMC: 0x6f, PUSHF: 0x70, POPF: 0x71, CPUID: 0x72,
    RSM: 0x73, IRET: 0x74, SWINT: 0x75, INVD: 0x76, PAUSE: 0x77, HLT: 0x78, INVLPG: 0x79, INVLPGA: 0x7a,
    IOIO: 0x7b, MSR: 0x7c, TASK_SWITCH: 0x7d, FERR_FREEZE: 0x7e, SHUTDOWN: 0x7f,
    VMRUN: 0x80, VMMCALL: 0x81, VMLOAD: 0x82, VMSAVE: 0x83, STGI: 0x84, CLGI: 0x85, SKINIT: 0x86,
    RDTSCP: 0x87, ICEBP: 0x88, WBINVD: 0x89, MONITOR: 0x8a, MWAIT: 0x8b, MWAIT_COND: 0x8c,
    XSETBV: 0x8d, RDPRU: 0x8e, EFER_WRITE_TRAP: 0x8f,
    INVLPGB: 0xa0, INVLPGB_ILLEGAL: 0xa1, INVPCID: 0xa2, MCOMMIT: 0xa3, TLBSYNC: 0xa4,
    BUS_LOCK: 0xa5, IDLE_HLT: 0xa6,
    NPF: 0x400, AVIC_INCOMPLETE_IPI: 0x401, AVIC_UNACCELERATED_ACCESS: 0x402, VMGEXIT: 0x403,
    INVALID: -1,
  };
  for (const [k, v] of Object.entries(expect)) assert.equal((SvmExit as Record<string, number>)[k], v, k);
  assert.ok(Object.isFrozen(SvmExit));
});

test('exitCodeName', () => {
  assert.equal(exitCodeName(0x4e), 'EXCP_PF');
  assert.equal(exitCodeName(0x40), 'EXCP_DE');
  assert.equal(exitCodeName(0x42), 'EXCP_NMI');
  assert.equal(exitCodeName(0x49), 'EXCP_9');
  assert.equal(exitCodeName(0x4f), 'EXCP_15');
  assert.equal(exitCodeName(0x5f), 'EXCP_31');
  assert.equal(exitCodeName(0x03), 'CR3_READ');
  assert.equal(exitCodeName(0x18), 'CR8_WRITE');
  assert.equal(exitCodeName(0x37), 'DR7_WRITE');
  assert.equal(exitCodeName(0x9f), 'CR15_WRITE_TRAP');
  assert.equal(exitCodeName(0x7b), 'IOIO');
  assert.equal(exitCodeName(0x400), 'NPF');
  assert.equal(exitCodeName(-1), 'INVALID');
  assert.equal(exitCodeName(0xffffffff), 'INVALID');
  assert.equal(exitCodeName(0xa7), 'UNKNOWN_0xa7');
  for (const [name, code] of Object.entries(SvmExit)) {
    if (name !== 'EXCP_BASE') assert.equal(exitCodeName(code), name);
  }
});
