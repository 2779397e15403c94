// Lazy RFLAGS (APM Vol.1 3.1.6). Arithmetic instructions record their operands and
// result; CF/PF/AF/ZF/SF/OF are computed only when someone reads them.
// Operands are 64-bit values held as two int32 halves; `lsz` is 1, 2, 4 or 8 bytes.
import type { Cpu } from './cpu';
import { AF, ARITH_FLAGS, CF, OF, PF, SF, ZF } from './regs';

export const LAZY_NONE = 0, LAZY_ADD = 1, LAZY_ADC = 2, LAZY_SUB = 3, LAZY_SBB = 4;
export const LAZY_LOGIC = 5, LAZY_INC = 6, LAZY_DEC = 7;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p ? PF : 0;
}

/** Mask of the operand bits held in the low half for a size. */
export function sizeMaskLo(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}
function signBit(size: number, lo: number, hi: number): number {
  return size === 8 ? hi >>> 31 : size === 4 ? lo >>> 31 : size === 2 ? (lo >>> 15) & 1 : (lo >>> 7) & 1;
}
/** Unsigned a < b for operands of `size`. */
function ult(size: number, aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  const m = sizeMaskLo(size);
  if (size === 8 && aHi !== bHi) return aHi >>> 0 < bHi >>> 0;
  return (aLo & m) >>> 0 < (bLo & m) >>> 0;
}

export function lazyCF(c: Cpu): boolean {
  switch (c.lop) {
    case LAZY_NONE: return (c.flags & CF) !== 0;
    case LAZY_ADD: return ult(c.lsz, c.lresLo, c.lresHi, c.laLo, c.laHi);
    case LAZY_ADC: return c.lcf ? !ult(c.lsz, c.laLo, c.laHi, c.lresLo, c.lresHi) : ult(c.lsz, c.lresLo, c.lresHi, c.laLo, c.laHi);
    case LAZY_SUB: return ult(c.lsz, c.laLo, c.laHi, c.lbLo, c.lbHi);
    case LAZY_SBB: return c.lcf ? !ult(c.lsz, c.lbLo, c.lbHi, c.laLo, c.laHi) : ult(c.lsz, c.laLo, c.laHi, c.lbLo, c.lbHi);
    case LAZY_LOGIC: return false;
    default: return c.lcf !== 0; // INC, DEC keep CF
  }
}
export function lazyZF(c: Cpu): boolean {
  if (c.lop === LAZY_NONE) return (c.flags & ZF) !== 0;
  return (c.lresLo & sizeMaskLo(c.lsz)) === 0 && (c.lsz !== 8 || c.lresHi === 0);
}
export function lazySF(c: Cpu): boolean {
  if (c.lop === LAZY_NONE) return (c.flags & SF) !== 0;
  return signBit(c.lsz, c.lresLo, c.lresHi) !== 0;
}
export function lazyPF(c: Cpu): boolean {
  if (c.lop === LAZY_NONE) return (c.flags & PF) !== 0;
  return PARITY[c.lresLo & 0xff] !== 0;
}
export function lazyAF(c: Cpu): boolean {
  switch (c.lop) {
    case LAZY_NONE: return (c.flags & AF) !== 0;
    case LAZY_LOGIC: return false;
    case LAZY_INC: case LAZY_DEC: return ((c.laLo ^ 1 ^ c.lresLo) & 0x10) !== 0;
    default: return ((c.laLo ^ c.lbLo ^ c.lresLo) & 0x10) !== 0;
  }
}
export function lazyOF(c: Cpu): boolean {
  const s = c.lsz;
  switch (c.lop) {
    case LAZY_NONE: return (c.flags & OF) !== 0;
    case LAZY_ADD: case LAZY_ADC:
      return signBit(s, (c.laLo ^ c.lresLo) & (c.lbLo ^ c.lresLo), (c.laHi ^ c.lresHi) & (c.lbHi ^ c.lresHi)) !== 0;
    case LAZY_SUB: case LAZY_SBB:
      return signBit(s, (c.laLo ^ c.lbLo) & (c.laLo ^ c.lresLo), (c.laHi ^ c.lbHi) & (c.laHi ^ c.lresHi)) !== 0;
    case LAZY_INC: return signBit(s, ~c.laLo & c.lresLo, ~c.laHi & c.lresHi) !== 0;
    case LAZY_DEC: return signBit(s, c.laLo & ~c.lresLo, c.laHi & ~c.lresHi) !== 0;
    default: return false;
  }
}

/** The full RFLAGS value (low 32 bits; the high half is reserved, zero). */
export function readFlags(c: Cpu): number {
  if (c.lop === LAZY_NONE) return c.flags;
  let f = c.flags & ~ARITH_FLAGS;
  if (lazyCF(c)) f |= CF;
  if (lazyPF(c)) f |= PF;
  if (lazyAF(c)) f |= AF;
  if (lazyZF(c)) f |= ZF;
  if (lazySF(c)) f |= SF;
  if (lazyOF(c)) f |= OF;
  return f;
}
/** Materialize the lazy state into c.flags (before changing some arithmetic bits by hand). */
export function materializeFlags(c: Cpu): void {
  if (c.lop !== LAZY_NONE) {
    c.flags = readFlags(c);
    c.lop = LAZY_NONE;
  }
}
/** Replace the arithmetic flags with explicit values; `bits` is any mix of CF..OF. */
export function setArithFlags(c: Cpu, bits: number): void {
  c.flags = (c.flags & ~ARITH_FLAGS) | (bits & ARITH_FLAGS);
  c.lop = LAZY_NONE;
}
/** SF, ZF, PF bits of a result, for handlers that compute CF/OF/AF themselves. */
export function szpBits(size: number, lo: number, hi: number): number {
  const m = sizeMaskLo(size);
  let f = PARITY[lo & 0xff];
  if ((lo & m) === 0 && (size !== 8 || hi === 0)) f |= ZF;
  if (signBit(size, lo, hi)) f |= SF;
  return f;
}

/** Condition code tt tn (Jcc/SETcc/CMOVcc low nibble, APM Vol.3 Appendix B). */
export function testCondition(c: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = lazyOF(c); break;
    case 1: r = lazyCF(c); break;
    case 2: r = lazyZF(c); break;
    case 3: r = lazyCF(c) || lazyZF(c); break;
    case 4: r = lazySF(c); break;
    case 5: r = lazyPF(c); break;
    case 6: r = lazySF(c) !== lazyOF(c); break;
    default: r = lazyZF(c) || lazySF(c) !== lazyOF(c); break;
  }
  return (cc & 1) !== 0 ? !r : r;
}

