// Event injection and virtual interrupts (svm.md 7, 11; APM Vol.2 15.20-15.21): EVENTINJ
// into a 64-bit guest with an IDT, EXITINTINFO when delivery exits, V_IRQ gating by IF,
// V_TPR and the interrupt shadow, GIF around VMRUN/#VMEXIT.
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, EXIT, CODE_VA, CODE_HPA, DATA_VA, DATA_HPA, LOW_HPA, asm, hex } from './vm';
import { RSP } from '../../src/cpu/regs';

const IDT_GPA = 0x8000, STACK = DATA_VA + 0x8000, MARK = 0x100;
const HANDLERS = CODE_VA + 0x1000;
const [MAIN, STI_VMMCALL, STI_NOP] = asm(
  'mov dword [0x10000100], 0xdead',
  'sti\nvmmcall',
  'sti\nnop\nmov dword [0x10000104], 0xdead',
);
const V = 0x80000000;

/** A guest with a 256-entry IDT; handler n stores n at DATA+MARK then VMMCALLs. */
function guest(code: Uint8Array): Vm {
  const v = new Vm(code);
  for (let n = 0; n < 256; n++) {
    const h = HANDLERS + n * 16, hh = CODE_HPA + 0x1000 + n * 16;
    // mov dword [0x10000100], n ; vmmcall
    v.mem.writeBytes(hh, [0xc7, 0x04, 0x25, 0x00, 0x01, 0x00, 0x10, n, 0, 0, 0, 0x0f, 0x01, 0xd9]);
    const g = LOW_HPA + IDT_GPA + n * 16;
    v.mem.write32(g, (0x08 << 16) | (h & 0xffff));
    v.mem.write32(g + 4, (h & 0xffff0000) | 0xee00); // P, DPL 3, 64-bit interrupt gate
    v.mem.write32(g + 8, 0); v.mem.write32(g + 12, 0);
  }
  v.w64(VMCB.IDTR_BASE, BigInt(IDT_GPA));
  v.w32(VMCB.IDTR_LIMIT, 0xfff);
  v.setReg(RSP, BigInt(STACK));
  return v;
}
/** The interrupt frame as quadwords from the guest's RSP upward. */
function frame(v: Vm, n: number): bigint[] {
  const rsp = Number(v.r64(VMCB.RSP)) - DATA_VA + DATA_HPA;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push((BigInt(v.mem.read32(rsp + 8 * i + 4) >>> 0) << 32n) | BigInt(v.mem.read32(rsp + 8 * i) >>> 0));
  return out;
}
const handled = (v: Vm) => v.mem.read32(DATA_HPA + MARK);
const handlerExitRip = (n: number) => BigInt(HANDLERS + n * 16 + 11);

test('EVENTINJ external interrupt 30h: delivered regardless of IF, EVENTINJ.V cleared', () => {
  const v = guest(MAIN);
  v.w32(VMCB.EVENTINJ, V | 0x30);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0x30);
  assert.equal(hex(e.rip), hex(handlerExitRip(0x30)));
  assert.deepEqual(frame(v, 5).map(hex), [CODE_VA, 0x08, 2, STACK, 0x10].map((x) => hex(BigInt(x))));
  assert.equal(v.r32(VMCB.EVENTINJ) & V, 0, 'EVENTINJ.V cleared on #VMEXIT');
  assert.equal(e.intInfo, 0);
});

test('EVENTINJ exception #GP with error code: not intercepted even though #GP is', () => {
  const v = guest(MAIN);
  v.w32(VMCB.EVENTINJ, V | (1 << 11) | (3 << 8) | 13);
  v.w32(VMCB.EVENTINJ_ERR, 0x1234);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 13);
  assert.deepEqual(frame(v, 3).map(hex), [0x1234, CODE_VA, 0x08].map((x) => hex(BigInt(x))));
});

test('EVENTINJ NMI: vector 2', () => {
  const v = guest(MAIN);
  v.w32(VMCB.EVENTINJ, V | (2 << 8) | 2);
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 2);
});

test('EVENTINJ software interrupt 80h: the return RIP pushed is nRIP (svm.md 7)', {
}, () => {
  const v = guest(MAIN);
  v.w32(VMCB.EVENTINJ, V | (4 << 8) | 0x80);
  v.w64(VMCB.NRIP, BigInt(CODE_VA + 2)); // as if an INT 80h (CD 80) at CODE_VA
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0x80);
  assert.equal(hex(frame(v, 1)[0]), hex(BigInt(CODE_VA + 2)));
});

test('EXITINTINFO: NPF while delivering an injected interrupt (IDT page not in the nested tables)', () => {
  const v = guest(MAIN);
  v.unmapNested(IDT_GPA);
  v.w32(VMCB.EVENTINJ, V | 0x30);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(hex(e.info1), hex(4n | (1n << 32n)));
  assert.equal(hex(e.info2), hex(BigInt(IDT_GPA + 0x30 * 16)));
  assert.equal(hex(e.intInfo), hex((V | 0x30) >>> 0));
  assert.equal(hex(e.rip), hex(CODE_VA), 'nothing executed');
  assert.equal(handled(v), 0);
});

test('EXITINTINFO with error code: NPF on the stack while delivering an injected #GP', () => {
  const v = guest(MAIN);
  v.unmapNested(STACK - 0x1000);
  v.w32(VMCB.EVENTINJ, V | (1 << 11) | (3 << 8) | 13);
  v.w32(VMCB.EVENTINJ_ERR, 0x55);
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.NPF));
  assert.equal(e.info1 & 2n, 2n, 'a write');
  assert.equal(hex(e.intInfo), hex((V | (1 << 11) | (3 << 8) | 13) >>> 0));
  assert.equal(e.intInfoErr, 0x55);
});

test('EXITINTINFO: intercepted #PF while delivering an injected interrupt (IDT not in the guest tables)', () => {
  const v = guest(MAIN);
  v.w64(VMCB.IDTR_BASE, 0x40000000n);
  v.w32(VMCB.EVENTINJ, V | 0x30);
  const e = v.go();
  assert.equal(hex(e.code), hex(0x4en));
  assert.equal(hex(e.info2), hex(0x40000000n + 0x300n));
  assert.equal(hex(e.intInfo), hex((V | 0x30) >>> 0));
});

const vintr = (tpr: number, prio: number, vec: number, ign = false) =>
  (1n << 24n) | (1n << 8n) | BigInt(tpr) | (BigInt(prio) << 16n) | (ign ? 1n << 20n : 0n) | (BigInt(vec) << 32n);

test('V_IRQ delivered when IF=1 and V_INTR_PRIO > V_TPR; V_IRQ cleared in the VMCB', () => {
  const v = guest(MAIN);
  v.w64(VMCB.V_INTR, vintr(1, 2, 0x31));
  v.w64(VMCB.RFLAGS, 0x202n);
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0x31);
  assert.equal(v.r32(VMCB.V_INTR) & 0x100, 0);
});

test('V_IRQ blocked when IF=0 (stays pending)', () => {
  const v = guest(MAIN);
  v.w64(VMCB.V_INTR, vintr(0, 2, 0x31));
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0xdead);
  assert.equal(v.r32(VMCB.V_INTR) & 0x100, 0x100);
});

test('V_IRQ blocked when V_INTR_PRIO <= V_TPR, taken with V_IGN_TPR', () => {
  const v = guest(MAIN);
  v.w64(VMCB.V_INTR, vintr(3, 3, 0x31));
  v.w64(VMCB.RFLAGS, 0x202n);
  v.go();
  assert.equal(handled(v), 0xdead);
  const w = guest(MAIN);
  w.w64(VMCB.V_INTR, vintr(3, 3, 0x31, true));
  w.w64(VMCB.RFLAGS, 0x202n);
  w.go();
  assert.equal(handled(w), 0x31);
});

test('interrupt shadow: STI; VMMCALL exits before the V_IRQ is taken', {
}, () => {
  const v = guest(STI_VMMCALL);
  v.w64(VMCB.V_INTR, vintr(0, 2, 0x31));
  const e = v.go();
  assert.equal(hex(e.code), hex(EXIT.VMMCALL));
  assert.equal(hex(e.rip), hex(BigInt(CODE_VA + 1)), 'the VMMCALL after STI');
  assert.equal(handled(v), 0);
  assert.equal(v.r32(VMCB.INTERRUPT_STATE) & 1, 1, 'in the STI shadow');
});

test('interrupt shadow: STI; NOP — the V_IRQ is taken after the NOP', () => {
  const v = guest(STI_NOP);
  v.w64(VMCB.V_INTR, vintr(0, 2, 0x31));
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0x31);
  assert.equal(hex(frame(v, 1)[0]), hex(BigInt(CODE_VA + 2)));
});

test('INTERRUPT_SHADOW loaded by VMRUN: the first instruction runs before the V_IRQ', () => {
  const v = guest(MAIN);
  v.w64(VMCB.V_INTR, vintr(0, 2, 0x31));
  v.w64(VMCB.RFLAGS, 0x202n);
  v.w64(VMCB.INTERRUPT_STATE, 1n);
  assert.equal(hex(v.go().code), hex(EXIT.VMMCALL));
  assert.equal(handled(v), 0x31);
  assert.equal(hex(frame(v, 1)[0]), hex(BigInt(CODE_VA + MAIN.length)));
});

test('GIF: STGI/CLGI set it; VMRUN sets it (the INTR is taken at the slice end); #VMEXIT clears it', () => {
  const [loop] = asm('jmp $');
  const v = guest(loop);
  v.cpu.clgi();
  assert.equal(v.cpu.gif, false);
  v.cpu.stgi();
  assert.equal(v.cpu.gif, true);
  v.cpu.clgi();
  const before = v.cpu.instructions;
  const e = v.go(1000);
  assert.equal(hex(e.code), hex(EXIT.INTR));
  assert.ok(v.cpu.instructions - before <= 1001, `INTR recognized at the first slice end (GIF = 1 in the guest): ${v.cpu.instructions - before}`);
  assert.equal(v.cpu.gif, false, 'GIF = 0 after #VMEXIT');
});
