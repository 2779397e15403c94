// Exact conversions between 80-bit extended registers and memory formats
// (APM Vol.1 6.2.3, Intel SDM Vol.1 4.2.2). Registers are (mant[2i], mant[2i+1], sexp[i]).
// Results of conversions *from* a register are left in the module scratch outLo/outHi.
import { FpuState } from '../fpu-state';

const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);

/** Scratch results of conversions (int32 pair). */
export let outLo = 0, outHi = 0;
/** Conversion found an SNaN / was inexact / rounded up in magnitude. */
export let cvtSnan = false, cvtInexact = false, cvtUp = false;
/** The last float32/float64 load was a denormal (#D on FLD / arithmetic operands). */
export let cvtDenormal = false;

export function setReg(f: FpuState, i: number, lo: number, hi: number, sexp: number): void {
  f.mant[2 * i] = lo; f.mant[2 * i + 1] = hi; f.sexp[i] = sexp;
}

/** float64 bits → extended (exact); SNaN is quieted and reported in cvtSnan. */
export function fromF64Bits(f: FpuState, i: number, lo: number, hi: number): void {
  const sign = (hi >>> 16) & 0x8000, e = (hi >>> 20) & 0x7ff, m = hi & 0xfffff;
  cvtSnan = false;
  cvtDenormal = e === 0 && (m | lo) !== 0;
  let mh = (m << 11) | (lo >>> 21), ml = lo << 11;
  if (e === 0x7ff) {
    if ((m | lo) !== 0 && (m & 0x80000) === 0) { cvtSnan = true; mh |= 0x40000000; }
    setReg(f, i, ml, mh | 0x80000000, sign | 0x7fff);
  } else if (e !== 0) {
    setReg(f, i, ml, mh | 0x80000000, sign | (e - 1023 + 16383));
  } else if ((m | lo) === 0) {
    setReg(f, i, 0, 0, sign);
  } else {
    // Denormal: normalize into the wider exponent range.
    let s: number;
    if (mh !== 0) { s = Math.clz32(mh); mh = (mh << s) | (s === 0 ? 0 : ml >>> (32 - s)); ml <<= s; }
    else { s = 32 + Math.clz32(ml); mh = ml << (s - 32); ml = 0; }
    setReg(f, i, ml, mh, sign | (16383 - 1022 - s));
  }
}

/** float32 bits → extended (exact). */
export function fromF32Bits(f: FpuState, i: number, b: number): void {
  const sign = (b >>> 16) & 0x8000, e = (b >>> 23) & 0xff, m = b & 0x7fffff;
  cvtSnan = false;
  cvtDenormal = e === 0 && m !== 0;
  let mh = m << 8;
  if (e === 0xff) {
    if (m !== 0 && (m & 0x400000) === 0) { cvtSnan = true; mh |= 0x40000000; }
    setReg(f, i, 0, mh | 0x80000000, sign | 0x7fff);
  } else if (e !== 0) setReg(f, i, 0, mh | 0x80000000, sign | (e - 127 + 16383));
  else if (m === 0) setReg(f, i, 0, 0, sign);
  else { const s = Math.clz32(mh); setReg(f, i, 0, mh << s, sign | (16383 - 126 - s)); }
}

/** A JS number → extended (exact). */
export function fromNumber(f: FpuState, i: number, v: number): void {
  F64[0] = v;
  fromF64Bits(f, i, I32[0], I32[1]);
}

/** Signed 64-bit integer → extended (exact, APM FILD). */
export function fromInt64(f: FpuState, i: number, lo: number, hi: number): void {
  let sign = 0;
  if (hi < 0) { sign = 0x8000; lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
  if ((lo | hi) === 0) { setReg(f, i, 0, 0, sign); return; }
  let s: number;
  if (hi !== 0) { s = Math.clz32(hi); if (s !== 0) { hi = (hi << s) | (lo >>> (32 - s)); lo <<= s; } }
  else { s = 32 + Math.clz32(lo); hi = lo << (s - 32); lo = 0; }
  setReg(f, i, lo, hi, sign | (16383 + 63 - s));
}

/** Class of a register value: 0 zero, 1 normal, 2 denormal, 3 infinity, 4 QNaN, 5 SNaN, 6 unsupported. */
export function classify(f: FpuState, i: number): number {
  const e = f.sexp[i] & 0x7fff, lo = f.mant[2 * i], hi = f.mant[2 * i + 1];
  if (e === 0x7fff) {
    if (hi >= 0) return 6;
    if (((hi & 0x7fffffff) | lo) === 0) return 3;
    return (hi & 0x40000000) !== 0 ? 4 : 5;
  }
  if (e === 0) return (hi | lo) === 0 ? 0 : 2;
  return hi < 0 ? 1 : 6;
}

function scale2(v: number, k: number): number {
  while (k > 1000) { v *= 2 ** 1000; k -= 1000; }
  while (k < -1000) { v *= 2 ** -1000; k += 1000; if (v === 0) return v; }
  return v * 2 ** k;
}

/** Significand of register i as a number in [0, 2) (rounded to 53 bits); exponent in `expOf`. */
export function mantNumber(f: FpuState, i: number): number {
  return ((f.mant[2 * i + 1] >>> 0) * 4294967296 + (f.mant[2 * i] >>> 0)) * 2 ** -63;
}
/** Unbiased exponent of register i (denormals use the minimum exponent). */
export function expOf(f: FpuState, i: number): number {
  const e = f.sexp[i] & 0x7fff;
  return (e === 0 ? 1 : e) - 16383;
}

/** Extended → JS number (round to nearest; NaN payload kept in the high bits). */
export function toNumber(f: FpuState, i: number): number {
  const e = f.sexp[i] & 0x7fff, neg = (f.sexp[i] & 0x8000) !== 0;
  const hi = f.mant[2 * i + 1], lo = f.mant[2 * i];
  if (e === 0x7fff) {
    if (((hi & 0x7fffffff) | lo) === 0) return neg ? -Infinity : Infinity;
    I32[1] = (neg ? 0x80000000 : 0) | 0x7ff80000 | ((hi >>> 11) & 0xfffff);
    I32[0] = (hi << 21) | (lo >>> 11);
    return F64[0];
  }
  const v = scale2(mantNumber(f, i), expOf(f, i));
  return neg ? -v : v;
}

export function setOut(lo: number, hi: number): void { outLo = lo; outHi = hi; }

/** Extended → float64 bits in outLo/outHi (FST m64); NaNs keep their payload, quieted. */
export function toF64Bits(f: FpuState, i: number): void {
  const v = toNumber(f, i);
  cvtSnan = classify(f, i) === 5;
  F64[0] = v;
  outLo = I32[0]; outHi = I32[1];
  cvtInexact = !Number.isFinite(v) ? false : exactIn(f, i, v);
}
/** Extended → float32 bits in outLo (FST m32). */
export function toF32Bits(f: FpuState, i: number): void {
  const cls = classify(f, i);
  cvtSnan = cls === 5;
  if (cls >= 3) {
    const s = (f.sexp[i] & 0x8000) << 16;
    const hi = f.mant[2 * i + 1];
    outLo = cls === 3 ? s | 0x7f800000 : s | 0x7fc00000 | ((hi >>> 8) & 0x3fffff);
    cvtInexact = false;
    return;
  }
  const v = Math.fround(toNumber(f, i));
  F32[0] = v;
  outLo = F32I[0];
  cvtInexact = Number.isFinite(v) && exactIn(f, i, v);
}
const F32 = new Float32Array(1);
const F32I = new Int32Array(F32.buffer);

/** True if v (a finite rounding of register i) differs from it; sets cvtUp when |v| is larger. */
function exactIn(f: FpuState, i: number, v: number): boolean {
  F64[0] = v;
  fromF64Bits(SCR, 0, I32[0], I32[1]);
  const c = cmpMag(SCR, 0, f, i);
  cvtUp = c > 0;
  return c !== 0;
}
const SCR = new FpuState();

/** Compare magnitudes of a finite a (in fa) and b (in fb): -1, 0, 1. */
export function cmpMag(fa: FpuState, a: number, fb: FpuState, b: number): number {
  let ea = fa.sexp[a] & 0x7fff, eb = fb.sexp[b] & 0x7fff;
  const ha = fa.mant[2 * a + 1] >>> 0, hb = fb.mant[2 * b + 1] >>> 0;
  const la = fa.mant[2 * a] >>> 0, lb = fb.mant[2 * b] >>> 0;
  if ((ha | la) === 0) ea = -1;
  if ((hb | lb) === 0) eb = -1;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (ha !== hb) return ha < hb ? -1 : 1;
  if (la !== lb) return la < lb ? -1 : 1;
  return 0;
}

/**
 * Extended → signed integer of `size` bytes with rounding control rc (0 nearest, 1 down,
 * 2 up, 3 truncate) into outLo/outHi. Returns false when out of range or NaN (invalid).
 */
export function toInt(f: FpuState, i: number, size: number, rc: number): boolean {
  const e = f.sexp[i] & 0x7fff, neg = (f.sexp[i] & 0x8000) !== 0;
  let hi = f.mant[2 * i + 1], lo = f.mant[2 * i];
  cvtInexact = false; cvtUp = false;
  if (e === 0x7fff) return false;
  if ((hi | lo) === 0) { outLo = 0; outHi = 0; return true; }
  if (e !== 0 && hi >= 0) return false; // unnormal: unsupported format
  const u = (e === 0 ? 1 : e) - 16383;
  if (u >= 63) {
    if (size === 8 && u === 63 && neg && hi === (0x80000000 | 0) && lo === 0) { outLo = 0; outHi = hi; return true; }
    return false;
  }
  const sh = 63 - u; // 1..
  let round: number, sticky: boolean;
  if (sh >= 65) { round = 0; sticky = true; hi = 0; lo = 0; }
  else if (sh === 64) { round = hi >>> 31; sticky = ((hi & 0x7fffffff) | lo) !== 0; hi = 0; lo = 0; }
  else if (sh >= 32) {
    const s = sh - 32;
    round = s === 0 ? lo >>> 31 : (hi >>> (s - 1)) & 1;
    sticky = s === 0 ? (lo & 0x7fffffff) !== 0 : (lo !== 0 || (hi & ((1 << (s - 1)) - 1)) !== 0);
    lo = s === 0 ? hi : hi >>> s; hi = 0;
  } else {
    round = (lo >>> (sh - 1)) & 1;
    sticky = (lo & ((1 << (sh - 1)) - 1)) !== 0;
    lo = (lo >>> sh) | (hi << (32 - sh)); hi = hi >>> sh;
  }
  const inexact = round !== 0 || sticky;
  let up = false;
  if (inexact) {
    if (rc === 0) up = round !== 0 && (sticky || (lo & 1) !== 0);
    else if (rc === 1) up = neg;
    else if (rc === 2) up = !neg;
  }
  if (up) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; }
  // Range check on the magnitude (hi:lo unsigned).
  const limHi = size === 8 ? 0x80000000 : 0, limLo = size === 8 ? 0 : size === 4 ? 0x80000000 : 0x8000;
  const mh = hi >>> 0, ml = lo >>> 0;
  if (mh > limHi || (mh === limHi && ml > limLo)) return false;
  if (mh === limHi && ml === limLo && !neg) return false;
  if (neg) { lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
  outLo = lo; outHi = hi;
  if (size === 2) outLo &= 0xffff;
  cvtInexact = inexact; cvtUp = up;
  return true;
}
