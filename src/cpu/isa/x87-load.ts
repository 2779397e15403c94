// x87 loads and stores (FLD/FST/FSTP m32/m64/m80, FILD/FIST/FISTP/FISTTP m16/m32/m64,
// FBLD/FBSTP; APM Vol.5, Intel SDM Vol.2): exact conversions in x87-conv.ts.
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { probeWrite, read8, read16, read32, read64, write8, write16, write32, write64 } from '../mmu';
import { eaPlus } from '../operands';
import {
  classify, cvtDenormal, cvtInexact, cvtSnan, cvtUp, fromF32Bits, fromF64Bits, fromInt64, outHi, outLo, toInt,
} from './x87-conv';
import { storeReal } from './x87-store';
import { C1, DE, IE, PE, commitPush, isEmpty, phys, pop, pushSlot, signal, underflow } from './x87-core';

/** FLD m32/m64/m80 (size 4, 8, 10). */
export function fldMem(c: Cpu, f: FpuState, size: number): void {
  let lo = 0, hi = 0, se = 0;
  if (size === 4) lo = read32(c, c.eaSeg, c.eaLo, c.eaHi);
  else { lo = read64(c, c.eaSeg, c.eaLo, c.eaHi); hi = c.tHi; }
  if (size === 10) { const a = eaPlus(c, 8); se = read16(c, c.eaSeg, a, c.tHi); }
  const p = pushSlot(f);
  if (p < 0) return;
  if (size === 4) fromF32Bits(f, p, lo);
  else if (size === 8) fromF64Bits(f, p, lo, hi);
  else { f.mant[2 * p] = lo; f.mant[2 * p + 1] = hi; f.sexp[p] = se; commitPush(f, p); return; }
  if (cvtSnan && signal(f, IE)) return;
  if (cvtDenormal && signal(f, DE)) return;
  commitPush(f, p);
}

/** FILD m16/m32/m64. */
export function fildMem(c: Cpu, f: FpuState, size: number): void {
  let lo: number, hi: number;
  if (size === 2) { lo = (read16(c, c.eaSeg, c.eaLo, c.eaHi) << 16) >> 16; hi = lo >> 31; }
  else if (size === 4) { lo = read32(c, c.eaSeg, c.eaLo, c.eaHi); hi = lo >> 31; }
  else { lo = read64(c, c.eaSeg, c.eaLo, c.eaHi); hi = c.tHi; }
  const p = pushSlot(f);
  if (p < 0) return;
  fromInt64(f, p, lo, hi);
  commitPush(f, p);
}

/** FST/FSTP m32/m64/m80. */
export function fstMem(c: Cpu, f: FpuState, size: number, popAfter: boolean): void {
  const p = phys(f, 0);
  if (size === 10) probeWrite(c, c.eaSeg, c.eaLo, c.eaHi, 10);
  if (isEmpty(f, p)) {
    if (underflow(f, -1)) return;
    // Masked: the indefinite is stored.
    if (size === 4) write32(c, c.eaSeg, c.eaLo, c.eaHi, 0xffc00000 | 0);
    else if (size === 8) write64(c, c.eaSeg, c.eaLo, c.eaHi, 0, 0xfff80000 | 0);
    else { write64(c, c.eaSeg, c.eaLo, c.eaHi, 0, 0xc0000000 | 0); const a = eaPlus(c, 8); write16(c, c.eaSeg, a, c.tHi, 0xffff); }
    if (popAfter) pop(f);
    return;
  }
  f.fsw &= ~C1;
  if (size === 10) {
    write64(c, c.eaSeg, c.eaLo, c.eaHi, f.mant[2 * p], f.mant[2 * p + 1]);
    const a = eaPlus(c, 8);
    write16(c, c.eaSeg, a, c.tHi, f.sexp[p]);
  } else {
    const snan = storeReal(f, p, size === 8);
    if (snan && signal(f, IE)) return;
    if (size === 4) write32(c, c.eaSeg, c.eaLo, c.eaHi, outLo);
    else write64(c, c.eaSeg, c.eaLo, c.eaHi, outLo, outHi);
  }
  if (popAfter) pop(f);
}

/** FIST/FISTP/FISTTP m16/m32/m64; `truncate` forces round-toward-zero (FISTTP, SSE3). */
export function fistMem(c: Cpu, f: FpuState, size: number, popAfter: boolean, truncate: boolean): void {
  const p = phys(f, 0);
  let ok: boolean;
  if (isEmpty(f, p)) { if (underflow(f, -1)) return; ok = false; }
  else {
    f.fsw &= ~C1;
    ok = toInt(f, p, size, truncate ? 3 : (f.fcw >> 10) & 3);
    if (!ok && signal(f, IE)) return;
  }
  let lo = outLo, hi = outHi;
  if (!ok) { lo = size === 2 ? 0x8000 : size === 4 ? 0x80000000 | 0 : 0; hi = 0x80000000 | 0; }
  else if (cvtInexact) { if (signal(f, PE)) return; if (cvtUp) f.fsw |= C1; }
  if (size === 2) write16(c, c.eaSeg, c.eaLo, c.eaHi, lo);
  else if (size === 4) write32(c, c.eaSeg, c.eaLo, c.eaHi, lo);
  else write64(c, c.eaSeg, c.eaLo, c.eaHi, lo, hi);
  if (popAfter) pop(f);
}

/** FBLD m80bcd: 18 packed BCD digits and a sign byte. */
export function fbld(c: Cpu, f: FpuState): void {
  let lo = 0, hi = 0;
  for (let k = 8; k >= 0; k--) {
    const a = eaPlus(c, k);
    const b = read8(c, c.eaSeg, a, c.tHi);
    for (let n = 0; n < 2; n++) {
      const d = n === 0 ? (b >> 4) & 15 : b & 15;
      // (hi:lo) = (hi:lo) * 10 + d
      const l8 = (lo >>> 0) * 8, l2 = (lo >>> 0) * 2;
      const s = (l8 % 4294967296) + (l2 % 4294967296) + d;
      hi = (hi * 10 + Math.floor(l8 / 4294967296) + Math.floor(l2 / 4294967296) + Math.floor(s / 4294967296)) | 0;
      lo = s | 0;
    }
  }
  const signByte = read8(c, c.eaSeg, eaPlus(c, 9), c.tHi);
  const p = pushSlot(f);
  if (p < 0) return;
  fromInt64(f, p, lo, hi);
  if ((signByte & 0x80) !== 0) f.sexp[p] |= 0x8000;
  commitPush(f, p);
}

/** FBSTP m80bcd: round ST(0) to an integer (RC) and store it as packed BCD. */
export function fbstp(c: Cpu, f: FpuState): void {
  const p = phys(f, 0);
  probeWrite(c, c.eaSeg, c.eaLo, c.eaHi, 10);
  let ok = false; const neg = (f.sexp[p] & 0x8000) !== 0;
  let lo = 0, hi = 0;
  if (isEmpty(f, p)) { if (underflow(f, -1)) return; }
  else {
    f.fsw &= ~C1;
    ok = classify(f, p) < 4 && toInt(f, p, 8, (f.fcw >> 10) & 3);
    if (ok) {
      lo = outLo; hi = outHi;
      if (hi < 0) { lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
      // |v| must be below 10^18.
      if (!(hi >>> 0 < 0x0de0b6b3 || (hi >>> 0 === 0x0de0b6b3 && lo >>> 0 < 0xa7640000))) ok = false;
    }
    if (!ok && signal(f, IE)) return;
    if (ok && cvtInexact) { if (signal(f, PE)) return; if (cvtUp) f.fsw |= C1; }
  }
  if (!ok) {
    write64(c, c.eaSeg, c.eaLo, c.eaHi, 0, 0xc0000000 | 0);
    write16(c, c.eaSeg, eaPlus(c, 8), c.tHi, 0xffff);
    pop(f);
    return;
  }
  for (let k = 0; k < 9; k++) {
    let byte = 0;
    for (let s = 0; s < 8; s += 4) {
      // (hi:lo) /= 10, digit = remainder
      const qh = Math.floor((hi >>> 0) / 10), rh = (hi >>> 0) - qh * 10;
      const t = rh * 4294967296 + (lo >>> 0);
      const ql = Math.floor(t / 10);
      byte |= (t - ql * 10) << s;
      hi = qh; lo = ql | 0;
    }
    write8(c, c.eaSeg, eaPlus(c, k), c.tHi, byte);
  }
  write8(c, c.eaSeg, eaPlus(c, 9), c.tHi, neg ? 0x80 : 0);
  pop(f);
}
