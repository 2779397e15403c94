// x87 arithmetic on extended registers (APM Vol.1 6.4, Intel SDM Vol.1 4.8, 8.3).
// Operands are split into a 53-bit significand (a JS number in [1, 2)) and an integer
// exponent, so the full 15-bit exponent range is kept; significand results come from
// IEEE double operations plus exact error terms (TwoSum / TwoProduct / residuals).
// Precision control: single rounds with Math.fround, double keeps the double result,
// extended rounds result + error term to 64 bits (exact when the inputs have at most
// 53 significant bits, e.g. values loaded from float/double). Rounding control is
// honoured by integer conversions, FRNDINT and zero signs; arithmetic rounds to nearest.
import type { FpuState } from '../fpu-state';
import { classify, cmpMag, expOf, fromNumber, mantNumber } from './x87-conv';
import { C1, DE, IE, OE, PE, UE, ZE, copySlot, setIndefinite, signal } from './x87-core';

export const OP_ADD = 0, OP_MUL = 1, OP_SUB = 2, OP_DIV = 3;
const SPLIT = 134217729;

/** Exact a*b - p for doubles (Dekker TwoProduct). */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** NaN / unsupported operand result (SDM Table 4-7). Returns true to abort (unmasked IE). */
function nanResult(f: FpuState, dst: number, a: number, b: number, ca: number, cb: number): boolean {
  if (ca === 6 || cb === 6) {
    if (signal(f, IE)) return true;
    setIndefinite(f, dst);
    return false;
  }
  if ((ca === 5 || cb === 5) && signal(f, IE)) return true;
  let src: number;
  if (ca >= 4 && cb >= 4) {
    if (ca !== cb) src = ca === 4 ? a : b;
    else src = cmpMag(f, a, f, b) >= 0 ? a : b;
  } else src = ca >= 4 ? a : b;
  copySlot(f, dst, src);
  f.mant[2 * dst + 1] |= 0x40000000;
  return false;
}

/**
 * Store sign * (r + err) * 2^er into dst, rounded to the precision control.
 * r is a nonzero double, err the exact (or sign-correct) remainder. Returns true to abort.
 */
export function finish(f: FpuState, dst: number, r: number, err: number, er: number): boolean {
  const pc = (f.fcw >> 8) & 3;
  let inexact = false, up = false;
  if (pc === 0) {
    const r2 = Math.fround(r);
    if (r2 !== r) err += r - r2;
    r = r2;
  }
  fromNumber(f, dst, r);
  if (pc === 3 && err !== 0) {
    // Round r + err to 64 bits: err in units of the 64-bit ulp of r.
    const e = (f.sexp[dst] & 0x7fff) - 16383;
    let k = err * 2 ** (63 - e);
    if (r < 0) k = -k;
    let hi = f.mant[2 * dst + 1], lo = f.mant[2 * dst];
    // Just below a power of two the 64-bit grid is twice as fine.
    const pow2Below = k < 0 && hi === (0x80000000 | 0) && lo === 0;
    if (pow2Below) k *= 2;
    const fl = Math.floor(k), fr = k - fl;
    const ki = fr > 0.5 ? fl + 1 : fr < 0.5 ? fl : (fl & 1) === 0 ? fl : fl + 1;
    inexact = fr !== 0; up = ki > k;
    if (pow2Below) {
      if (ki !== 0) { hi = -1; lo = ki | 0; f.sexp[dst]--; }
    } else {
      const s = (lo >>> 0) + ki;
      lo = s | 0;
      hi = (hi + Math.floor(s / 4294967296)) | 0;
    }
    f.mant[2 * dst] = lo; f.mant[2 * dst + 1] = hi;
  } else if (err !== 0) {
    inexact = true; up = (err < 0) !== (r < 0);
  }
  const rc = (f.fcw >> 10) & 3;
  const neg = (f.sexp[dst] & 0x8000) !== 0;
  if (inexact && rc !== 0) {
    // Directed rounding: the nearest result is one of the two candidates; step to the other.
    const want = rc === 3 ? false : rc === 2 ? !neg : neg;
    if (want !== up) { stepMag(f, dst, want, pc === 0 ? 40 : pc === 2 ? 11 : 0); up = want; }
  }
  f.fsw &= ~C1;
  const biased = (f.sexp[dst] & 0x7fff) + er;
  if (biased >= 0x7fff) {
    if (signal(f, OE | PE)) return true;
    const inf = rc === 0 || (rc === 2 && !neg) || (rc === 1 && neg);
    f.sexp[dst] = (neg ? 0x8000 : 0) | (inf ? 0x7fff : 0x7ffe);
    f.mant[2 * dst] = inf ? 0 : pc === 3 ? -1 : pc === 2 ? -2048 : 0;
    f.mant[2 * dst + 1] = inf ? 0x80000000 | 0 : pc === 0 ? 0xffffff00 | 0 : -1;
    if (inf) f.fsw |= C1;
    return false;
  }
  if (biased <= 0) return denormalize(f, dst, 1 - biased, inexact);
  f.sexp[dst] = (f.sexp[dst] & 0x8000) | biased;
  if (inexact) { if (signal(f, PE)) return true; if (up) f.fsw |= C1; }
  return false;
}

/** Move the magnitude of dst one unit of bit `ulp` up (want) or down, across binades. */
function stepMag(f: FpuState, dst: number, upward: boolean, ulp: number): void {
  let lo = f.mant[2 * dst] >>> 0, hi = f.mant[2 * dst + 1] >>> 0;
  const u = 2 ** ulp;
  if (upward) {
    if (ulp >= 32) hi += u / 4294967296; else { lo += u; if (lo >= 4294967296) { lo -= 4294967296; hi += 1; } }
    if (hi >= 4294967296) { hi = 0x80000000; lo = 0; f.sexp[dst]++; }
  } else if (hi === 0x80000000 && lo === 0) {
    // 2^e minus one unit of the binade below.
    if (ulp >= 32) { hi = 4294967296 - u / 4294967296; lo = 0; } else { hi = 0xffffffff; lo = 4294967296 - u; }
    f.sexp[dst]--;
  } else if (ulp >= 32) hi -= u / 4294967296;
  else { if (lo >= u) lo -= u; else { lo = lo + 4294967296 - u; hi -= 1; } }
  f.mant[2 * dst] = lo | 0; f.mant[2 * dst + 1] = hi | 0;
}

function denormalize(f: FpuState, dst: number, sh: number, inexact: boolean): boolean {
  let hi = f.mant[2 * dst + 1], lo = f.mant[2 * dst];
  let lost: boolean;
  if (sh >= 64) { lost = (hi | lo) !== 0; hi = 0; lo = 0; }
  else if (sh >= 32) { lost = lo !== 0 || (sh > 32 && (hi << (64 - sh)) !== 0); lo = sh === 32 ? hi : hi >>> (sh - 32); hi = 0; }
  else { lost = (lo << (32 - sh)) !== 0; lo = (lo >>> sh) | (hi << (32 - sh)); hi = hi >>> sh; }
  if (lost || inexact) { if (signal(f, UE | PE)) return true; }
  f.mant[2 * dst] = lo; f.mant[2 * dst + 1] = hi;
  f.sexp[dst] &= 0x8000;
  return false;
}

/** dst = +-src rounded to the precision control (x + 0 rounds too). */
export function roundCopy(f: FpuState, dst: number, src: number, neg: boolean): boolean {
  const hi = f.mant[2 * src + 1] >>> 0, lo = f.mant[2 * src] >>> 0;
  const e = expOf(f, src);
  const mh = hi * 2 ** -31, ml = lo * 2 ** -63;
  const r = mh + ml, err = ml - (r - mh);
  return finish(f, dst, neg ? -r : r, neg ? -err : err, e);
}

/** dst = a op b (op: OP_ADD, OP_MUL, OP_SUB a-b, OP_DIV a/b). Returns true if aborted. */
export function arith(f: FpuState, op: number, dst: number, a: number, b: number): boolean {
  const ca = classify(f, a), cb = classify(f, b);
  if (ca >= 4 || cb >= 4) return nanResult(f, dst, a, b, ca, cb);
  if ((ca === 2 || cb === 2) && signal(f, DE)) return true;
  const na = (f.sexp[a] & 0x8000) !== 0;
  let nb = (f.sexp[b] & 0x8000) !== 0;
  const rc = (f.fcw >> 10) & 3;
  f.fsw &= ~C1;
  if (op === OP_SUB) nb = !nb;
  if (ca === 0 || cb === 0 || ca === 3 || cb === 3) {
    if ((op === OP_ADD || op === OP_SUB) && ca !== 3 && cb !== 3) {
      if (ca === 0 && cb === 0) { fromNumber(f, dst, na === nb ? (na ? -0 : 0) : rc === 1 ? -0 : 0); return false; }
      const src = ca === 0 ? b : a, sn = ca === 0 ? nb : na;
      return roundCopy(f, dst, src, sn);
    }
    const x = ca === 0 ? 0 : ca === 3 ? Infinity : 1, y = cb === 0 ? 0 : cb === 3 ? Infinity : 1;
    const sx = na ? -x : x, sy = nb ? -y : y;
    const r = op === OP_MUL ? sx * sy : op === OP_DIV ? sx / sy : sx + sy;
    if (r !== r) { if (signal(f, IE)) return true; setIndefinite(f, dst); return false; }
    if (op === OP_DIV && cb === 0 && ca !== 3 && signal(f, ZE)) return true;
    fromNumber(f, dst, r);
    return false;
  }
  const ma = mantNumber(f, a), mb = mantNumber(f, b), ea = expOf(f, a), eb = expOf(f, b);
  if (op === OP_MUL || op === OP_DIV) {
    const neg = na !== nb;
    let r: number, err: number;
    if (op === OP_MUL) { r = ma * mb; err = prodErr(ma, mb, r); }
    else {
      r = ma / mb;
      const p = r * mb;
      const res = (ma - p) - prodErr(r, mb, p); // exact ma - r*mb
      err = res / mb;
    }
    return finish(f, dst, neg ? -r : r, neg ? -err : err, op === OP_MUL ? ea + eb : ea - eb);
  }
  // Addition: align the smaller exponent; beyond 200 bits it only acts as a sticky bit.
  let x = na ? -ma : ma, y = nb ? -mb : mb, e = ea;
  const d = ea - eb;
  if (d >= 0) y = d > 200 ? y * 2 ** -200 : y * 2 ** -d;
  else { x = -d > 200 ? x * 2 ** -200 : x * 2 ** d; e = eb; }
  const r = x + y;
  if (r === 0) { fromNumber(f, dst, rc === 1 ? -0 : 0); return false; }
  const bb = r - x;
  const err = (x - (r - bb)) + (y - bb);
  return finish(f, dst, r, err, e);
}

/** dst = sqrt(a). Returns true if aborted. */
export function sqrtOp(f: FpuState, dst: number, a: number): boolean {
  const ca = classify(f, a);
  if (ca >= 4) return nanResult(f, dst, a, a, ca, ca);
  const neg = (f.sexp[a] & 0x8000) !== 0;
  f.fsw &= ~C1;
  if (ca === 0) { copySlot(f, dst, a); return false; }
  if (neg) { if (signal(f, IE)) return true; setIndefinite(f, dst); return false; }
  if (ca === 3) { copySlot(f, dst, a); return false; }
  if (ca === 2 && signal(f, DE)) return true;
  let m = mantNumber(f, a), e = expOf(f, a);
  if ((e & 1) !== 0) { m *= 2; e -= 1; }
  const r = Math.sqrt(m);
  const p = r * r;
  const res = (m - p) - prodErr(r, r, p);
  return finish(f, dst, r, res / (2 * r), e / 2);
}

/** Compare a with b: 0 greater, 1 less, 2 equal, 3 unordered, -1 aborted (unmasked IE/DE). */
export function compare(f: FpuState, a: number, b: number, quiet: boolean): number {
  const ca = classify(f, a), cb = classify(f, b);
  if (ca >= 4 || cb >= 4) {
    const inv = !quiet || ca === 5 || cb === 5 || ca === 6 || cb === 6;
    // An unmasked IE still reports "unordered" (observed on hardware).
    if (inv) signal(f, IE);
    return 3;
  }
  if ((ca === 2 || cb === 2) && signal(f, DE)) return -1;
  if (ca === 0 && cb === 0) return 2;
  const na = (f.sexp[a] & 0x8000) !== 0 && ca !== 0, nb = (f.sexp[b] & 0x8000) !== 0 && cb !== 0;
  if (na !== nb) return na ? 1 : 0;
  let m: number;
  if (ca === 3 || cb === 3) m = ca === cb ? 0 : ca === 3 ? 1 : -1;
  else m = cmpMag(f, a, f, b);
  if (m === 0) return 2;
  return (m > 0) !== na ? 0 : 1;
}
