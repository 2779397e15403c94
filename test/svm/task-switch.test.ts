// TASK_SWITCH intercept (7Dh) in a 32-bit protected-mode guest (svm.md 6.3; APM Vol.2 15.12):
// EXITINFO1 = target TSS selector; EXITINFO2 bit 38 far JMP, 36 IRET, 44 error code valid
// (with the error code in bits 31:0); CALL and INTn have neither. Unreachable in long mode.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, LOW_HPA, hex } from './vm';
import { assemble } from '../native/assemble';

const TSS_SEL = 0x30, GDT = 0x4000, IDT = 0x5000, TSS = 0x6000, CODE = 0x8000;
const [JMP, CALL, INT40, UD2, GPF] = assemble([
  'jmp 0x30:0', 'call 0x30:0', 'int 0x40', 'ud2', 'mov ax, 7\nmov ds, ax',
], 32);


function pm32(code: Uint8Array): Vm {
  const v = new Vm();
  const m = v.mem, g = LOW_HPA + GDT;
  m.write32(g + 0x08, 0x0000ffff); m.write32(g + 0x0c, 0x00cf9a00); // 32-bit code
  m.write32(g + 0x10, 0x0000ffff); m.write32(g + 0x14, 0x00cf9200); // data
  m.write32(g + TSS_SEL, (TSS << 16) | 0x67); m.write32(g + TSS_SEL + 4, 0x00008900); // available 32-bit TSS
  for (const vec of [0x40, 6, 13]) { // task gates -> TSS_SEL
    m.write32(LOW_HPA + IDT + vec * 8, TSS_SEL << 16); m.write32(LOW_HPA + IDT + vec * 8 + 4, 0x0000e500);
  }
  m.writeBytes(LOW_HPA + CODE, code);
  const seg = (off: number, sel: number, attr: number) => {
    m.write16(v.vmcb + off, sel); m.write16(v.vmcb + off + 2, attr); m.write32(v.vmcb + off + 4, -1); v.w64(off + 8, 0n);
  };
  seg(VMCB.CS_SELECTOR, 0x08, 0xc9b);
  for (const s of [VMCB.SS_SELECTOR, VMCB.DS_SELECTOR, VMCB.ES_SELECTOR]) seg(s, 0x10, 0xc93);
  v.w64(VMCB.GDTR_BASE, BigInt(GDT)); v.w32(VMCB.GDTR_LIMIT, 0x37);
  v.w64(VMCB.IDTR_BASE, BigInt(IDT)); v.w32(VMCB.IDTR_LIMIT, 0x7ff);
  v.w64(VMCB.CR0, 0x11n); v.w64(VMCB.CR4, 0n); v.w64(VMCB.EFER, 0x1000n);
  v.w64(VMCB.RIP, BigInt(CODE)); v.w64(VMCB.RSP, 0x7000n);
  v.w32(VMCB.INTERCEPT_EXCEPTIONS, 0); // exceptions go to the guest IDT (task gates)
  v.intercept(0x7d);
  return v;
}

for (const [name, code, info2, intInfo] of [
  ['far JMP to a TSS', JMP, 1n << 38n, 0],
  ['far CALL to a TSS', CALL, 0n, 0],
  ['INT 40h through a task gate (EXITINTINFO TYPE 4, as KVM task_switch_interception expects)', INT40, 0n, 0x80000440],
  ['#UD through a task gate', UD2, 0n, 0x80000306],
] as const) {
  test(`TASK_SWITCH: ${name}`, {}, () => {
    const v = pm32(code);
    const e = v.go();
    assert.equal(hex(e.code), '0x7d');
    assert.equal(hex(e.info1), hex(BigInt(TSS_SEL)));
    assert.equal(hex(e.info2), hex(info2));
    assert.equal(hex(e.rip), hex(BigInt(CODE)));
    assert.equal(hex(e.intInfo), hex(intInfo), 'EXITINTINFO: the event being delivered');
  });
}

test('TASK_SWITCH: #GP(sel) through a task gate reports the error code (bit 44, bits 31:0)', () => {
  const v = pm32(GPF); // selector 7 = LDT entry 0 with no LDT -> #GP(4)
  const e = v.go();
  assert.equal(hex(e.code), '0x7d');
  assert.equal(hex(e.info1), hex(BigInt(TSS_SEL)));
  assert.equal(hex(e.info2), hex((1n << 44n) | 4n), 'EV and the error code');
  assert.equal(hex(e.rip), hex(BigInt(CODE + 4)), 'the faulting MOV DS (after the 4-byte mov ax, 7)');
  assert.equal(hex(e.intInfo), hex(0x80000b0d), 'EXITINTINFO: #GP being delivered');
  assert.equal(e.intInfoErr, 4);
});

test('TASK_SWITCH not intercepted: far JMP to a TSS does not exit with 7Dh', () => {
  const v = pm32(JMP);
  v.intercept(0x7d, false);
  v.w32(VMCB.INTERCEPT_EXCEPTIONS, -1);
  assert.notEqual(hex(v.go().code), '0x7d');
});

