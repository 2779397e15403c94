// IEEE-754 lane arithmetic for SSE (APM Vol.1 4.9, Intel SDM Vol.1 11.5): results bit-exact
// for every MXCSR rounding mode, with DAZ/FTZ, NaN propagation (first source NaN, SNaN
// quieted, default NaN for invalid) and the IE DE ZE OE UE PE flags. JS computes
// round-to-nearest doubles; the sign of the rounding error (error-free transforms)
// decides directed rounding and PE. NaNs never pass through JS numbers.
import { MX_DAZ, MX_DE, MX_FTZ, MX_IE, MX_OE, MX_PE, MX_UE, MX_ZE } from './sse-common';

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_SQRT = 4, OP_MIN = 5, OP_MAX = 6;

/** Exception flags gathered by the current instruction; MXCSR in effect. */
export let fl = 0;
let mx = 0x1f80, rc = 0;
export function fpBegin(mxcsr: number): void {
  fl = 0; mx = mxcsr; rc = (mxcsr >> 13) & 3;
}
export function fpFlags(): number { return fl; }
export function addFlags(f: number): void { fl |= f; }

const F64 = new Float64Array(1), I64 = new Int32Array(F64.buffer);
const F32 = new Float32Array(1), I32 = new Int32Array(F32.buffer);
/** High half of a 64-bit result. */
export let rHi = 0;

export function f32(bits: number): number { I32[0] = bits; return F32[0]; }
export function bits32(v: number): number { F32[0] = v; return I32[0]; }
export function f64(lo: number, hi: number): number { I64[0] = lo; I64[1] = hi; return F64[0]; }
/** Bits of a double: low half returned, high in rHi. */
export function bits64(v: number): number { F64[0] = v; rHi = I64[1]; return I64[0]; }

export const isNaN32 = (x: number): boolean => (x & 0x7fffffff) > 0x7f800000;
export const isSNaN32 = (x: number): boolean => isNaN32(x) && (x & 0x400000) === 0;
export const isDen32 = (x: number): boolean => (x & 0x7f800000) === 0 && (x & 0x7fffff) !== 0;
export const isNaN64 = (lo: number, hi: number): boolean => (hi & 0x7fffffff) > 0x7ff00000 || ((hi & 0x7fffffff) === 0x7ff00000 && lo !== 0);
export const isSNaN64 = (lo: number, hi: number): boolean => isNaN64(lo, hi) && (hi & 0x80000) === 0;
export const isDen64 = (lo: number, hi: number): boolean => (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;
export const DEF_NAN32 = 0xffc00000 | 0, DEF_NAN64_HI = 0xfff80000 | 0;

/** DAZ on an f32 input (APM Vol.1 4.2.2). */
export function daz32(x: number): number { return (mx & MX_DAZ) !== 0 && isDen32(x) ? x & 0x80000000 : x; }
export function daz64(lo: number, hi: number): number { // returns hi, lo zeroed via dazLo
  if ((mx & MX_DAZ) !== 0 && isDen64(lo, hi)) { dazLo = 0; return hi & 0x80000000; }
  dazLo = lo; return hi;
}
export let dazLo = 0;

// ---- Error-free transforms (sign of the exact residual true - rounded).
function sgn(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : 0; }
function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}
let tpE = 0;
function twoProd(a: number, b: number): number {
  const p = a * b;
  const ca = 134217729 * a, ah = ca - (ca - a), al = a - ah;
  const cb = 134217729 * b, bh = cb - (cb - b), bl = b - bh;
  tpE = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}
/** Unbiased exponent k with |x| * 2^-k in [1, 2) (x finite, nonzero). */
function expOf(x: number): number {
  F64[0] = x;
  const e = (I64[1] >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  F64[0] = x * 18446744073709551616; // 2^64
  return ((I64[1] >>> 20) & 0x7ff) - 1023 - 64;
}
function pow2(n: number): number { I64[0] = 0; I64[1] = (n + 1023) << 20; return F64[0]; }
function ldexp(x: number, n: number): number {
  while (n > 1000) { x *= pow2(1000); n -= 1000; }
  while (n < -1000) { x *= pow2(-1000); n += 1000; }
  return x * pow2(n);
}
function residMul(a: number, b: number, p: number): number {
  if (a === 0 || b === 0) return 0;
  const ka = expOf(a), kb = expOf(b);
  const as = ldexp(a, -ka), bs = ldexp(b, -kb), ps = ldexp(p, -(ka + kb));
  const P = twoProd(as, bs);
  return sgn((P - ps) + tpE);
}
function residDiv(a: number, b: number, q: number): number {
  if (a === 0) return 0;
  const ka = expOf(a), kb = expOf(b);
  const as = Math.abs(ldexp(a, -ka)), bs = Math.abs(ldexp(b, -kb)), qs = Math.abs(ldexp(q, -(ka - kb)));
  const P = twoProd(qs, bs);
  const s = sgn((as - P) - tpE);
  return (a < 0) !== (b < 0) ? -s : s;
}
function residSqrt(a: number, q: number): number {
  if (a === 0) return 0;
  const k = Math.floor(expOf(a) / 2);
  const as = ldexp(a, -2 * k), qs = ldexp(q, -k);
  const P = twoProd(qs, qs);
  return sgn((as - P) - tpE);
}

/** Round double d (with residual sign e of the exact value) to f32 per MXCSR; flags; returns bits. */
export function finish32(d: number, e: number): number {
  let f = Math.fround(d);
  let r: number;
  if (f !== d) {
    r = d > f ? 1 : -1;
    if (e !== 0 && rc === 0 && Math.abs(f) !== Infinity) {
      // d on a midpoint of two floats with a nonzero residual: round to the side of the exact value.
      const g = Math.fround(d + (d - f));
      if (d - f === g - d && e === r) { f = g; r = -r; }
    }
  } else r = e;
  let x = bits32(f);
  const ovf = Math.abs(f) === Infinity;
  if (r !== 0 && rc !== 0) x = adjust32(x, r);
  const mag = x & 0x7fffffff;
  if (ovf || mag === 0x7f800000) fl |= MX_OE | MX_PE;
  else if (mag < 0x00800000 && (d !== 0 || r !== 0)) {
    // Tiny: FTZ flushes (masked UE), UE reported when inexact or unmasked.
    if ((mx & MX_FTZ) !== 0 && (mx & (MX_UE << 7)) !== 0) { fl |= MX_UE | MX_PE; return x & 0x80000000; }
    if (r !== 0 || (mx & (MX_UE << 7)) === 0) fl |= MX_UE;
  }
  if (r !== 0) fl |= MX_PE;
  return x;
}
function adjust32(x: number, r: number): number {
  const neg = x < 0;
  // up = toward +inf
  let up: boolean;
  if (rc === 1) { if (r > 0) return x; up = false; } else if (rc === 2) { if (r < 0) return x; up = true; } else {
    if ((r > 0) !== neg) return x; // |exact| > |x|: truncation keeps x
    up = neg;
  }
  if (up) return neg ? (x === (0x80000000 | 0) ? 1 : x - 1) : x + 1;
  return neg ? x + 1 : x === 0 ? (0x80000001 | 0) : x - 1;
}

/** Round-to-nearest double d with residual e to the final f64 per MXCSR; low bits returned, high in rHi. */
export function finish64(d: number, e: number): number {
  let r = e;
  const ovf = Math.abs(d) === Infinity;
  if (ovf) r = d > 0 ? -1 : 1;
  let lo = bits64(d), hi = rHi;
  if (r !== 0 && rc !== 0) {
    const neg = hi < 0;
    let move = 0; // +1 increments magnitude bits, -1 decrements
    if (rc === 1) { if (r < 0) move = neg ? 1 : -1; } else if (rc === 2) { if (r > 0) move = neg ? -1 : 1; } else if ((r > 0) === neg) move = -1;
    if (move !== 0) {
      if ((hi & 0x7fffffff) === 0 && lo === 0 && move < 0) { hi = neg ? 0 : 0x80000000 | 0; lo = 1; } else if (move > 0) { lo = (lo + 1) | 0; if (lo === 0) hi = (hi + 1) | 0; } else { if (lo === 0) hi = (hi - 1) | 0; lo = (lo - 1) | 0; }
    }
  }
  if (ovf || ((hi & 0x7fffffff) === 0x7ff00000 && lo === 0)) fl |= MX_OE | MX_PE;
  else if ((hi & 0x7ff00000) === 0 && (d !== 0 || r !== 0)) {
    if ((mx & MX_FTZ) !== 0 && (mx & (MX_UE << 7)) !== 0) { fl |= MX_UE | MX_PE; rHi = hi & 0x80000000; return 0; }
    if (r !== 0 || (mx & (MX_UE << 7)) === 0) fl |= MX_UE;
  }
  if (r !== 0) fl |= MX_PE;
  rHi = hi;
  return lo;
}

/** One f32 lane of ADD/SUB/MUL/DIV/SQRT/MIN/MAX (b is the source for SQRT). */
export function op32(op: number, a: number, b: number): number {
  a = daz32(a); b = daz32(b);
  if (op >= OP_MIN) {
    if (isNaN32(a) || isNaN32(b)) { fl |= MX_IE; return b; }
    if (isDen32(a) || isDen32(b)) fl |= MX_DE;
    const x = f32(a), y = f32(b);
    return (op === OP_MIN ? x < y : x > y) ? a : b;
  }
  if (op === OP_SQRT) {
    if (isNaN32(b)) { if (isSNaN32(b)) fl |= MX_IE; return b | 0x400000; }
    if (b < 0 && (b & 0x7fffffff) !== 0) { fl |= MX_IE; return DEF_NAN32; }
    if (isDen32(b)) fl |= MX_DE;
    const y = f32(b);
    if (y === 0 || y === Infinity) return b;
    const q = Math.sqrt(y);
    return finish32(q, residSqrt(y, q));
  }
  if (isNaN32(a) || isNaN32(b)) {
    if (isSNaN32(a) || isSNaN32(b)) fl |= MX_IE;
    return isNaN32(a) ? a | 0x400000 : b | 0x400000;
  }
  const x = f32(a);
  let y = f32(b);
  if (op === OP_SUB) y = -y;
  const inv = op <= OP_SUB ? (x === Infinity && y === -Infinity) || (x === -Infinity && y === Infinity)
    : op === OP_MUL ? (x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity)
      : (x === 0 && y === 0) || (Math.abs(x) === Infinity && Math.abs(y) === Infinity);
  if (inv) { fl |= MX_IE; return DEF_NAN32; }
  if (op === OP_DIV && y === 0 && Math.abs(x) !== Infinity) { fl |= MX_ZE; return bits32(x / y); }
  if (isDen32(a) || isDen32(b)) fl |= MX_DE;
  if (Math.abs(x) === Infinity || Math.abs(y) === Infinity) return bits32(op <= OP_SUB ? x + y : op === OP_MUL ? x * y : x / y);
  let d: number, e: number;
  if (op <= OP_SUB) {
    d = x + y; e = sgn(twoSumErr(x, y, d));
    if (d === 0 && e === 0) return rc === 1 && !(x === 0 && y === 0 && 1 / x > 0 && 1 / y > 0) ? 0x80000000 | 0 : bits32(d);
  } else if (op === OP_MUL) { d = x * y; e = 0; } else { d = x / y; e = residDiv(x, y, d); }
  return finish32(d, e);
}

/** One f64 lane; result low half returned, high half in rHi. */
export function op64(op: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  aHi = daz64(aLo, aHi); aLo = dazLo; bHi = daz64(bLo, bHi); bLo = dazLo;
  if (op >= OP_MIN) {
    if (isNaN64(aLo, aHi) || isNaN64(bLo, bHi)) { fl |= MX_IE; rHi = bHi; return bLo; }
    if (isDen64(aLo, aHi) || isDen64(bLo, bHi)) fl |= MX_DE;
    const x = f64(aLo, aHi), y = f64(bLo, bHi);
    if (op === OP_MIN ? x < y : x > y) { rHi = aHi; return aLo; }
    rHi = bHi; return bLo;
  }
  if (op === OP_SQRT) {
    if (isNaN64(bLo, bHi)) { if (isSNaN64(bLo, bHi)) fl |= MX_IE; rHi = bHi | 0x80000; return bLo; }
    if (bHi < 0 && ((bHi & 0x7fffffff) | bLo) !== 0) { fl |= MX_IE; rHi = DEF_NAN64_HI; return 0; }
    if (isDen64(bLo, bHi)) fl |= MX_DE;
    const y = f64(bLo, bHi);
    if (y === 0 || y === Infinity) { rHi = bHi; return bLo; }
    const q = Math.sqrt(y);
    return finish64(q, residSqrt(y, q));
  }
  if (isNaN64(aLo, aHi) || isNaN64(bLo, bHi)) {
    if (isSNaN64(aLo, aHi) || isSNaN64(bLo, bHi)) fl |= MX_IE;
    if (isNaN64(aLo, aHi)) { rHi = aHi | 0x80000; return aLo; }
    rHi = bHi | 0x80000; return bLo;
  }
  const x = f64(aLo, aHi);
  let y = f64(bLo, bHi);
  if (op === OP_SUB) y = -y;
  const inv = op <= OP_SUB ? (x === Infinity && y === -Infinity) || (x === -Infinity && y === Infinity)
    : op === OP_MUL ? (x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity)
      : (x === 0 && y === 0) || (Math.abs(x) === Infinity && Math.abs(y) === Infinity);
  if (inv) { fl |= MX_IE; rHi = DEF_NAN64_HI; return 0; }
  if (op === OP_DIV && y === 0 && Math.abs(x) !== Infinity) { fl |= MX_ZE; return bits64(x / y); }
  if (isDen64(aLo, aHi) || isDen64(bLo, bHi)) fl |= MX_DE;
  if (Math.abs(x) === Infinity || Math.abs(y) === Infinity) return bits64(op <= OP_SUB ? x + y : op === OP_MUL ? x * y : x / y);
  let d: number, e: number;
  if (op <= OP_SUB) {
    d = x + y;
    e = Math.abs(d) === Infinity ? 0 : sgn(twoSumErr(x, y, d));
    if (d === 0 && e === 0) {
      if (rc === 1 && !(x === 0 && y === 0 && 1 / x > 0 && 1 / y > 0)) { rHi = 0x80000000 | 0; return 0; }
      return bits64(d);
    }
  } else if (op === OP_MUL) {
    d = x * y; e = Math.abs(d) === Infinity ? 0 : residMul(x, y, d);
  } else { d = x / y; e = Math.abs(d) === Infinity ? 0 : residDiv(x, y, d); }
  return finish64(d, e);
}

// ---- Conversions (APM Vol.1 4.8).

/** f32 bits -> f64 (CVTSS2SD): exact; NaN quieted and widened. */
export function cvt32to64(a: number): number {
  a = daz32(a);
  if (isNaN32(a)) {
    if (isSNaN32(a)) fl |= MX_IE;
    rHi = (a & 0x80000000) | 0x7ff80000 | ((a & 0x3fffff) >>> 3);
    return (a & 7) << 29;
  }
  if (isDen32(a)) fl |= MX_DE;
  return bits64(f32(a));
}
/** f64 -> f32 bits (CVTSD2SS): rounded per MXCSR. */
export function cvt64to32(lo: number, hi: number): number {
  hi = daz64(lo, hi); lo = dazLo;
  if (isNaN64(lo, hi)) {
    if (isSNaN64(lo, hi)) fl |= MX_IE;
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
  }
  if (isDen64(lo, hi)) fl |= MX_DE;
  const d = f64(lo, hi);
  if (d === 0 || Math.abs(d) === Infinity) return bits32(d);
  return finish32(d, 0);
}

/** Round x to an integer per `mode` (0 nearest-even, 1 down, 2 up, 3 toward zero). */
function roundInt(x: number, mode: number): number {
  switch (mode) {
    case 0: {
      const f = Math.floor(x), diff = x - f;
      return diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
    }
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}
/** Float value (already decoded; NaN passed as NaN) -> int32 or int64 (lo, rHi); indefinite on overflow. */
export function toInt(x: number, is64: boolean, trunc: boolean): number {
  if (x !== x) { fl |= MX_IE; rHi = 0x80000000 | 0; return is64 ? 0 : 0x80000000 | 0; }
  const r = roundInt(x, trunc ? 3 : rc);
  if (is64 ? r < -9223372036854775808 || r >= 9223372036854775808 : r < -2147483648 || r > 2147483647) {
    fl |= MX_IE; rHi = 0x80000000 | 0; return is64 ? 0 : 0x80000000 | 0;
  }
  if (r !== x) fl |= MX_PE;
  const hi = Math.floor(r / 4294967296);
  rHi = hi | 0;
  return (r - hi * 4294967296) | 0;
}
/** Decode an f32 lane for integer conversion (DAZ applies; NaN stays NaN). */
export function cvtIn32(a: number): number { a = daz32(a); return isNaN32(a) ? NaN : f32(a); }
export function cvtIn64(lo: number, hi: number): number { hi = daz64(lo, hi); return isNaN64(dazLo, hi) ? NaN : f64(dazLo, hi); }

/** Signed integer (lo, hi; hi = lo >> 31 for 32-bit) -> f32 bits, rounded per MXCSR. */
export function intTo32(lo: number, hi: number): number {
  const a = hi * 4294967296, b = lo >>> 0;
  const d = a + b;
  return finish32(d, sgn(twoSumErr(a, b, d)));
}
/** Signed integer -> f64 (low bits returned, high in rHi). */
export function intTo64(lo: number, hi: number): number {
  const a = hi * 4294967296, b = lo >>> 0;
  const d = a + b;
  return finish64(d, sgn(twoSumErr(a, b, d)));
}
