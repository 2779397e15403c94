// Guest programs that walk the x86 modes under VMRUN (test/guests/*.asm, built with nasm):
// the host loop handles IOIO exits (OUT 80h = stage report) by resuming at EXITINFO2 and
// checks the exit sequence and the VMCB state at each exit (svm.md 4, 6.1; APM Vol.2 14-15).
import { test } from 'node:test';
import assert = require('node:assert/strict');
import { Vm, VMCB, EXIT, LOW_HPA, MSRPM_HPA, hex } from '../svm/vm';
import { buildGuest } from './build';
import { assemble } from '../native/assemble';

const IOIO = 0x7bn, SZ8 = 0x10n, A16 = 0x80n, A32 = 0x100n, A64 = 0x200n;
const out80 = (asz: bigint) => (0x80n << 16n) | SZ8 | asz;

/** A real-mode guest at 0000:8000 with the program loaded at gPA `loadGpa`. */
function realModeVm(bin: Uint8Array, loadGpa = 0x8000): Vm {
  const v = new Vm();
  v.mem.fill(LOW_HPA, 0x10000, 0);
  v.mem.writeBytes(LOW_HPA + loadGpa, bin);
  const seg = (off: number, attr: number) => {
    v.mem.write16(v.vmcb + off, 0); v.mem.write16(v.vmcb + off + 2, attr);
    v.mem.write32(v.vmcb + off + 4, 0xffff); v.w64(off + 8, 0n);
  };
  seg(VMCB.CS_SELECTOR, 0x9b);
  for (const s of [VMCB.SS_SELECTOR, VMCB.DS_SELECTOR, VMCB.ES_SELECTOR]) seg(s, 0x93);
  v.w64(VMCB.GDTR_BASE, 0n); v.w32(VMCB.GDTR_LIMIT, 0xffff);
  v.w64(VMCB.IDTR_BASE, 0n); v.w32(VMCB.IDTR_LIMIT, 0x3ff);
  v.w64(VMCB.CR0, 0x10n); v.w64(VMCB.CR3, 0n); v.w64(VMCB.CR4, 0n);
  v.w64(VMCB.EFER, 0x1000n); // SVME only (consistency check 1)
  v.w64(VMCB.RFLAGS, 2n); v.w64(VMCB.RIP, 0x8000n); v.w64(VMCB.RSP, 0x7000n);
  v.w32(VMCB.INTERCEPT_EXCEPTIONS, ~(1 << 6)); // #UD goes to the guest's IDT
  v.mem.write8(MSRPM_HPA + 0x820, v.mem.read8(MSRPM_HPA + 0x820) & ~3); // EFER read/write pass through
  return v;
}

interface Stop { code: bigint; info1: bigint; al: number; cr0: bigint; efer: bigint; csSel: number; csAttr: number; rip: bigint }

/** Run until an exit other than IOIO port 80h; each IOIO exit resumes at EXITINFO2. */
function runProgram(v: Vm, maxExits = 20): Stop[] {
  const stops: Stop[] = [];
  for (let i = 0; i < maxExits; i++) {
    const e = v.go(1_000_000);
    stops.push({
      code: e.code, info1: e.info1, al: Number(v.r64(VMCB.RAX) & 0xffn), rip: e.rip,
      cr0: v.r64(VMCB.CR0), efer: v.r64(VMCB.EFER),
      csSel: v.mem.read16(v.vmcb + VMCB.CS_SELECTOR), csAttr: v.mem.read16(v.vmcb + VMCB.CS_ATTRIB),
    });
    if (e.code !== IOIO) break;
    v.w64(VMCB.RIP, e.info2);
  }
  return stops;
}
const describe = (s: Stop[]) => s.map((x) => `${hex(x.code)}/${hex(x.info1)}/al=${x.al}`).join(' ');

test('modes.asm: real (INT via IVT) -> PM16 -> PM32 (INT via 32-bit gate) -> long mode -> #UD via IDT + IRETQ -> VMMCALL', () => {
  const v = realModeVm(buildGuest('modes'));
  const s = runProgram(v);
  const seq = describe(s);
  assert.deepEqual(s.map((x) => [hex(x.code), hex(x.info1), x.al]), [
    [hex(IOIO), hex(out80(A16)), 1],
    [hex(IOIO), hex(out80(A16)), 2],
    [hex(IOIO), hex(out80(A32)), 3],
    [hex(IOIO), hex(out80(A64)), 4],
    [hex(IOIO), hex(out80(A64)), 5],
    [hex(EXIT.VMMCALL), '0x0', 0],
  ].map((x, i) => (i === 5 ? [x[0], x[1], s[5]?.al] : x)), seq);
  // Stage 1: real mode.
  assert.equal(s[0].cr0 & 1n, 0n, 'CR0.PE = 0');
  assert.equal(s[0].csSel, 0);
  // Stage 2: 16-bit protected mode, CS = 18h, D = 0.
  assert.equal(s[1].cr0 & 1n, 1n);
  assert.equal(s[1].csSel, 0x18);
  assert.equal(s[1].csAttr & 0x600, 0, 'CS.D = CS.L = 0');
  // Stage 3: 32-bit protected mode, CS = 08h, D = 1.
  assert.equal(s[2].csSel, 0x08);
  assert.equal(s[2].csAttr & 0x600, 0x400);
  // Stage 4: long mode: EFER.LME|LMA|SVME, CR0.PG|PE, CS = 28h with L = 1.
  assert.equal(hex(s[3].efer & 0x1500n), hex(0x1500n));
  assert.equal(s[3].cr0 & 0x80000001n, 0x80000001n);
  assert.equal(s[3].csSel, 0x28);
  assert.equal(s[3].csAttr & 0x600, 0x200);
  assert.equal(hex(v.r64(VMCB.CR3)), '0xa000');
  assert.equal(v.r64(VMCB.CR4) & 0x20n, 0x20n);
  // The #UD handler ran, saw the UD2's address, and IRETQ came back.
  const m = (a: number) => v.mem.read32(LOW_HPA + a) >>> 0;
  assert.equal(hex(m(0x7130) & 0xffff), '0x16', 'real-mode INT 22h handler ran (IVT)');
  assert.equal(hex(m(0x7120)), '0x32', 'INT 21h through a 32-bit interrupt gate ran');
  assert.equal(hex(m(0x7100)), '0x600d');
  assert.equal(hex(m(0x7108)), hex(m(0x7110)), 'RIP pushed by #UD = the UD2');
  assert.equal(hex(v.cpu.getReg64Lo(3) >>> 0), '0x600d', 'RBX reported at VMMCALL');
  assert.equal(v.cpu.getReg64Lo(1), 5, 'RCX = stage count');
  assert.equal(hex(v.r64(VMCB.RSP)), '0x7000', 'IRETQ restored RSP');
});

test('paged-real.asm: VMRUN with CR0.PE=0, PG=1 translates real-mode linear addresses (svm.md 14)', () => {
  const v = realModeVm(buildGuest('paged-real'), 0x9000);
  const m = v.mem;
  // 32-bit page tables: PD at gPA 0xA000, PT at 0xB000: identity except linear page 8 -> gPA 0x9000.
  m.write32(LOW_HPA + 0xa000, 0xb000 | 3);
  for (let p = 0; p < 16; p++) m.write32(LOW_HPA + 0xb000 + 4 * p, ((p === 8 ? 9 : p) << 12) | 3);
  m.write8(LOW_HPA + 0x8800, 0x17); // what a load without paging would see
  m.write8(LOW_HPA + 0x9800, 0x42);
  v.w64(VMCB.CR3, 0xa000n);
  v.w64(VMCB.CR0, 0x80000010n);
  const s = runProgram(v);
  assert.equal(describe(s.slice(0, 1)), `${hex(IOIO)}/${hex(out80(A16))}/al=66`, describe(s));
  assert.equal(hex(s[1]?.code ?? -1n), hex(EXIT.VMMCALL), describe(s));
  assert.equal(v.cpu.getReg64Lo(3) & 0xffff, 0x1234);
  assert.equal(hex(s[0].cr0 & 0x80000001n), '0x80000000', 'CR0 as loaded: PG = 1, PE = 0');
});

test('reset-vector style real mode: CS = F000h, base F0000h, IP = FFF0h', () => {
  const [code] = assemble(['mov al, 0x5a\nout 0x80, al\nvmmcall'], 16);
  const v = realModeVm(new Uint8Array(0));
  v.mapNested(0xff000, 0x700000);
  v.mem.writeBytes(0x700ff0, code);
  v.mem.write16(v.vmcb + VMCB.CS_SELECTOR, 0xf000);
  v.w64(VMCB.CS_BASE, 0xf0000n);
  v.w64(VMCB.RIP, 0xfff0n);
  const s = runProgram(v);
  assert.equal(describe(s), `${hex(IOIO)}/${hex(out80(A16))}/al=90 ${hex(EXIT.VMMCALL)}/0x0/al=90`);
  assert.equal(hex(s[0].rip), '0xfff2', 'RIP of the OUT: an offset in CS, not the linear address');
  assert.equal(hex(s[1].rip), '0xfff4');
  assert.equal(s[1].csSel, 0xf000);
});
