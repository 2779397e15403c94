// Operand access for handlers: G (ModRM.reg), E (ModRM.rm: register or memory at the
// decoded effective address), registers by size, and the stack (APM Vol.3 1.2, 2.5).
// Values are (lo, hi) int32 pairs; readers return lo and leave hi in c.tHi for size 8.
import type { Cpu } from './cpu';
import { readMem, writeMem, read16, read32, read64, write16, write32, write64 } from './mmu';
import { RSP, SS } from './regs';

/** Byte register r: AL..BL, then AH..BH without REX, SPL..DIL and R8B.. with REX. */
export function readReg8(c: Cpu, r: number): number {
  if (r < 4 || r > 7 || c.rex !== 0) return c.gpr[r << 1] & 0xff;
  return (c.gpr[(r - 4) << 1] >>> 8) & 0xff;
}
export function writeReg8(c: Cpu, r: number, v: number): void {
  if (r < 4 || r > 7 || c.rex !== 0) {
    const i = r << 1;
    c.gpr[i] = (c.gpr[i] & ~0xff) | (v & 0xff);
  } else {
    const i = (r - 4) << 1;
    c.gpr[i] = (c.gpr[i] & ~0xff00) | ((v & 0xff) << 8);
  }
}

/** Register r at `size`; 64-bit leaves the high half in c.tHi. */
export function readReg(c: Cpu, size: number, r: number): number {
  switch (size) {
    case 1: return readReg8(c, r);
    case 2: return c.gpr[r << 1] & 0xffff;
    case 4: return c.gpr[r << 1];
    default: c.tHi = c.gpr[(r << 1) | 1]; return c.gpr[r << 1];
  }
}
/** Write register r at `size`: 32-bit writes zero the high half; 8/16-bit writes merge (APM Vol.1 3.1.2.3). */
export function writeReg(c: Cpu, size: number, r: number, lo: number, hi: number): void {
  const i = r << 1;
  switch (size) {
    case 1: writeReg8(c, r, lo); break;
    case 2: c.gpr[i] = (c.gpr[i] & ~0xffff) | (lo & 0xffff); break;
    case 4: c.gpr[i] = lo; c.gpr[i + 1] = 0; break;
    default: c.gpr[i] = lo; c.gpr[i + 1] = hi;
  }
}

export function readE(c: Cpu, size: number): number {
  if (c.mod === 3) return readReg(c, size, c.regE);
  return readMem(c, size, c.eaSeg, c.eaLo, c.eaHi);
}
export function writeE(c: Cpu, size: number, lo: number, hi: number): void {
  if (c.mod === 3) writeReg(c, size, c.regE, lo, hi);
  else writeMem(c, size, c.eaSeg, c.eaLo, c.eaHi, lo, hi);
}
export function readG(c: Cpu, size: number): number {
  return readReg(c, size, c.regG);
}
export function writeG(c: Cpu, size: number, lo: number, hi: number): void {
  writeReg(c, size, c.regG, lo, hi);
}

/** Effective address plus a byte offset, within the address size (for multi-part operands). */
export function eaPlus(c: Cpu, k: number): number {
  const s = (c.eaLo >>> 0) + k;
  if (c.adSize === 2) { c.tHi = 0; return s & 0xffff; }
  c.tHi = c.adSize === 8 && s > 0xffffffff ? (c.eaHi + 1) | 0 : c.eaHi;
  return s | 0;
}

// ---- Stack (APM Vol.2 2.5): width of RSP by mode; the write happens before RSP changes.

/** Stack address size: 8 in 64-bit mode, else 4 if SS.B, else 2. */
export function stackAddrSize(c: Cpu): number {
  return c.mode64 ? 8 : c.stack32 ? 4 : 2;
}
/** RSP - n within the stack address size: returns lo, high half in c.tHi. */
function spMinus(c: Cpu, n: number): number {
  const lo = c.gpr[RSP << 1];
  if (c.mode64) {
    const s = (lo >>> 0) - n;
    const hi = c.gpr[(RSP << 1) | 1];
    c.tHi = s < 0 ? (hi - 1) | 0 : s > 0xffffffff ? (hi + 1) | 0 : hi;
    return s | 0;
  }
  c.tHi = 0;
  return c.stack32 ? (lo - n) | 0 : (lo - n) & 0xffff;
}
function setSp(c: Cpu, lo: number, hi: number): void {
  if (c.mode64) { c.gpr[RSP << 1] = lo; c.gpr[(RSP << 1) | 1] = hi; }
  else if (c.stack32) c.gpr[RSP << 1] = lo;
  else c.gpr[RSP << 1] = (c.gpr[RSP << 1] & ~0xffff) | (lo & 0xffff);
}

/** PUSH of `size` bytes (2, 4, 8). */
export function push(c: Cpu, size: number, lo: number, hi: number): void {
  const spLo = spMinus(c, size);
  const spHi = c.tHi;
  if (size === 8) write64(c, SS, spLo, spHi, lo, hi);
  else if (size === 4) write32(c, SS, spLo, spHi, lo);
  else write16(c, SS, spLo, spHi, lo);
  setSp(c, spLo, spHi);
}
/** Read the value POP would return (no RSP change); high half in c.tHi for size 8. */
export function peek(c: Cpu, size: number, offset: number): number {
  const spLo = spMinus(c, -offset);
  const spHi = c.tHi;
  if (size === 8) return read64(c, SS, spLo, spHi);
  return size === 4 ? read32(c, SS, spLo, spHi) : read16(c, SS, spLo, spHi);
}
/** Add n to RSP within the stack address size. */
export function adjustSp(c: Cpu, n: number): void {
  const lo = spMinus(c, -n);
  setSp(c, lo, c.tHi);
}
/** POP of `size` bytes: returns lo (hi in c.tHi for 8). RSP moves only after the read succeeds. */
export function pop(c: Cpu, size: number): number {
  const v = peek(c, size, 0);
  const hi = c.tHi;
  adjustSp(c, size);
  c.tHi = hi;
  return v;
}
