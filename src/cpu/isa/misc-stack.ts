// Stack and loop instructions: PUSH Iz/Ib, POP Ev, PUSHA/POPA, ENTER, LEAVE, LOOPcc,
// JrCXZ (APM Vol.3). Stack widths follow stackAddrSize (APM Vol.2 2.5); every access
// happens before RSP/RBP change, so a fault leaves the registers as they were.
import type { Cpu } from '../cpu';
import { adjustSp, peek, push, stackAddrSize, writeE, writeReg } from '../operands';
import { readMem, writeMem } from '../mmu';
import { raiseUD } from '../exceptions';
import { lazyZF } from '../flags';
import { jumpTo } from './branch';
import { def, IMM_B, IMM_WB, IMM_Z } from './table';
import { RBP, RCX, RSP, SS } from '../regs';

/** High half of the last stAdd result. */
let sHi = 0;
/** (lo, hi) + n within a stack/address width of 2, 4 or 8 bytes. */
function stAdd(lo: number, hi: number, n: number, w: number): number {
  if (w === 8) {
    const s = (lo >>> 0) + n;
    sHi = s > 0xffffffff ? (hi + 1) | 0 : s < 0 ? (hi - 1) | 0 : hi;
    return s | 0;
  }
  sHi = 0;
  return w === 4 ? (lo + n) | 0 : (lo + n) & 0xffff;
}
/** Set a pointer register to (lo, hi) at width w (16-bit writes keep bits 63:16). */
function setPtr(c: Cpu, r: number, lo: number, hi: number, w: number): void {
  const g = c.gpr, i = r << 1;
  if (w === 8) { g[i] = lo; g[i + 1] = hi; } else if (w === 4) { g[i] = lo; g[i + 1] = 0; } else g[i] = (g[i] & ~0xffff) | (lo & 0xffff);
}
function ptrLo(c: Cpu, r: number, w: number): number {
  return w === 2 ? c.gpr[r << 1] & 0xffff : c.gpr[r << 1];
}
function ptrHi(c: Cpu, r: number, w: number): number {
  return w === 8 ? c.gpr[(r << 1) | 1] : 0;
}

/** True when the memory operand's base register is RSP/ESP (decoded base, REX.B included). */
function rspBased(c: Cpu): boolean {
  return c.adSize !== 2 && c.eaBase === RSP;
}

/** POP Ev (8F /0): with an RSP-based address, the address uses RSP after the pop (APM Vol.3 POP). */
function popEv(c: Cpu): void {
  if ((c.modrm & 0x38) !== 0) raiseUD(c);
  const s = c.opSize;
  const lo = peek(c, s, 0), hi = c.tHi;
  if (c.mod === 3) {
    adjustSp(c, s);
    writeReg(c, s, c.regE, lo, hi);
    return;
  }
  if (rspBased(c)) {
    c.eaLo = stAdd(c.eaLo, c.eaHi, s, c.adSize);
    c.eaHi = sHi;
  }
  writeE(c, s, lo, hi);
  adjustSp(c, s);
}

/** PUSHA/PUSHAD (legacy modes): AX CX DX BX (original SP) BP SI DI. */
function pusha(c: Cpu): void {
  const s = c.opSize, w = stackAddrSize(c);
  const sp = ptrLo(c, RSP, w);
  for (let k = 0; k < 8; k++) {
    const v = k === RSP ? sp : c.gpr[k << 1];
    writeMem(c, s, SS, stAdd(sp, 0, -(k + 1) * s, w), 0, v, 0);
  }
  setPtr(c, RSP, stAdd(sp, 0, -8 * s, w), 0, w);
}
const popaTmp = new Int32Array(8);
/** POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX. */
function popa(c: Cpu): void {
  const s = c.opSize, w = stackAddrSize(c);
  const sp = ptrLo(c, RSP, w);
  const v = popaTmp;
  for (let k = 0; k < 8; k++) if (k !== 3) v[7 - k] = readMem(c, s, SS, stAdd(sp, 0, k * s, w), 0);
  for (let r = 0; r < 8; r++) if (r !== RSP) writeReg(c, s, r, v[r], 0);
  setPtr(c, RSP, stAdd(sp, 0, 8 * s, w), 0, w);
}

/** ENTER Iw, Ib (APM Vol.3 ENTER): nesting level mod 32. */
function enter(c: Cpu): void {
  const s = c.opSize, w = stackAddrSize(c);
  const alloc = c.immLo & 0xffff, level = c.imm2 & 31;
  const g = c.gpr;
  let sp = stAdd(ptrLo(c, RSP, w), ptrHi(c, RSP, w), -s, w), spHi = sHi;
  writeMem(c, s, SS, sp, spHi, g[RBP << 1], g[(RBP << 1) | 1]);
  const ftLo = sp, ftHi = spHi;
  if (level > 0) {
    let bp = ptrLo(c, RBP, w), bpHi = ptrHi(c, RBP, w);
    for (let i = 1; i < level; i++) {
      bp = stAdd(bp, bpHi, -s, w); bpHi = sHi;
      const vLo = readMem(c, s, SS, bp, bpHi), vHi = c.tHi;
      sp = stAdd(sp, spHi, -s, w); spHi = sHi;
      writeMem(c, s, SS, sp, spHi, vLo, vHi);
    }
    sp = stAdd(sp, spHi, -s, w); spHi = sHi;
    writeMem(c, s, SS, sp, spHi, ftLo, ftHi);
  }
  setPtr(c, RBP, ftLo, ftHi, w);
  sp = stAdd(sp, spHi, -alloc, w);
  setPtr(c, RSP, sp, sHi, w);
}

/** LEAVE: rSP = rBP, then POP rBP (APM Vol.3 LEAVE). */
function leave(c: Cpu): void {
  const s = c.opSize, w = stackAddrSize(c);
  const bp = ptrLo(c, RBP, w), bpHi = ptrHi(c, RBP, w);
  const vLo = readMem(c, s, SS, bp, bpHi), vHi = c.tHi;
  const sp = stAdd(bp, bpHi, s, w);
  setPtr(c, RSP, sp, sHi, w);
  writeReg(c, s, RBP, vLo, vHi);
}

/** Branch by rel8 when `taken` (operand size as jumpRel in branch.ts). */
function branch8(c: Cpu): void {
  const t = c.rip + ((c.immLo << 24) >> 24);
  if (c.mode64) jumpTo(c, c.opSize === 2 ? t & 0xffff : t, c.opSize === 2 ? 2 : 8);
  else jumpTo(c, t, c.opSize);
}
/** LOOP/LOOPE/LOOPNE: count register by address size, decremented only if the branch does not fault. */
function loop(c: Cpu, kind: number): void {
  const w = c.adSize;
  const lo = stAdd(ptrLo(c, RCX, w), ptrHi(c, RCX, w), -1, w), hi = sHi;
  let take = lo !== 0 || hi !== 0;
  if (kind === 0) take &&= !lazyZF(c); // E0 LOOPNE
  else if (kind === 1) take &&= lazyZF(c); // E1 LOOPE
  if (take) branch8(c);
  setPtr(c, RCX, lo, hi, w);
}

export function registerMiscStack(): void {
  def(0x68, 'pushIz', { imm: IMM_Z, def64: true }, (c) => push(c, c.opSize, c.immLo, c.immHi));
  def(0x6a, 'pushIb', { imm: IMM_B, def64: true }, (c) => {
    const v = (c.immLo << 24) >> 24;
    push(c, c.opSize, c.opSize === 2 ? v & 0xffff : v, v >> 31);
  });
  def(0x8f, 'popEv', { modrm: true, def64: true }, popEv);
  def(0x60, 'pusha', { inv64: true }, pusha);
  def(0x61, 'popa', { inv64: true }, popa);
  def(0xc8, 'enterIwIb', { imm: IMM_WB, def64: true }, enter);
  def(0xc9, 'leave', { def64: true }, leave);
  def(0xe0, 'loopneJb', { imm: IMM_B, def64: true }, (c) => loop(c, 0));
  def(0xe1, 'loopeJb', { imm: IMM_B, def64: true }, (c) => loop(c, 1));
  def(0xe2, 'loopJb', { imm: IMM_B, def64: true }, (c) => loop(c, 2));
  def(0xe3, 'jrcxzJb', { imm: IMM_B, def64: true }, (c) => {
    const w = c.adSize;
    if (ptrLo(c, RCX, w) === 0 && ptrHi(c, RCX, w) === 0) branch8(c);
  });
}
