// D9 register forms: FLD ST(i), FXCH, FNOP, FCHS, FABS, FTST, FXAM, constants, and
// the D9 F0-FF group (transcendentals approximated in double; APM Vol.5, SDM Vol.2).
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { raiseUD } from '../exceptions';
import { classify, expOf, fromInt64, fromNumber, mantNumber, outHi, outLo, toInt, toNumber, cvtInexact, cvtUp } from './x87-conv';
import {
  C0, C1, C2, C3, IE, PE, SF, TMP, ZE, commitPush, copySlot, isEmpty, markValid, phys, pop, pushSlot, setIndefinite,
  signal, underflow,
} from './x87-core';
import { compare, finish, sqrtOp } from './x87-math';
import { setCompareCC } from './x87-arith';

// Constants (SDM FLD1/FLDL2T/...): significand hi, lo, exponent; rounded to nearest.
const K_HI = [0x80000000, 0xd49a784b, 0xb8aa3b29, 0xc90fdaa2, 0x9a209a84, 0xb17217f7, 0];
const K_LO = [0, 0xcd1b8afe, 0x5c17f0bc, 0x2168c235, 0xfbcff799, 0xd1cf79ac, 0];
const K_EXP = [0x3fff, 0x4000, 0x3fff, 0x4000, 0x3ffd, 0x3ffe, 0];

function fldConst(f: FpuState, k: number): void {
  const p = pushSlot(f);
  if (p < 0) return;
  let lo = K_LO[k] | 0;
  const rc = (f.fcw >> 10) & 3;
  // The exact constant lies below the nearest value for L2E, PI, LG2, LN2, above it for L2T.
  if (k >= 2 && k <= 5 && (rc === 1 || rc === 3)) lo = (lo - 1) | 0;
  if (k === 1 && rc === 2) lo = (lo + 1) | 0;
  f.mant[2 * p] = lo; f.mant[2 * p + 1] = K_HI[k] | 0; f.sexp[p] = K_EXP[k];
  commitPush(f, p);
}

/** Write a double result to ST(k) physical slot p with PE, via the precision control. */
function putNumber(f: FpuState, p: number, v: number, inexact: boolean): boolean {
  if (v !== v) { if (signal(f, IE)) return true; setIndefinite(f, p); return false; }
  if (v === 0 || !Number.isFinite(v)) { fromNumber(f, p, v); return false; }
  const e = Math.floor(Math.log2(Math.abs(v)));
  const m = v * 2 ** -e;
  if (finish(f, p, m, 0, e)) return true;
  if (inexact && signal(f, PE)) return true;
  return false;
}

function fxam(f: FpuState): void {
  const p = phys(f, 0);
  let cc: number;
  if (isEmpty(f, p)) cc = C3 | C0;
  else {
    switch (classify(f, p)) {
      case 0: cc = C3; break;
      case 1: cc = C2; break;
      case 2: cc = C3 | C2; break;
      case 3: cc = C2 | C0; break;
      case 4: case 5: cc = C0; break;
      default: cc = 0;
    }
  }
  if ((f.sexp[p] & 0x8000) !== 0) cc |= C1;
  f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc;
}

/** D9 E0-FF with ST(0) [and ST(1)]. */
export function d9Special(c: Cpu, f: FpuState, op: number): void {
  const p0 = phys(f, 0), p1 = phys(f, 1);
  if (op >= 0xe8 && op <= 0xee) { fldConst(f, op === 0xee ? 6 : op - 0xe8); return; }
  if (op === 0xf6 || op === 0xf7) { f.fsw &= ~C1; f.fsw = (f.fsw & ~0x3800) | (((f.fsw >> 11) + (op === 0xf6 ? 7 : 1)) & 7) << 11; return; }
  if (op === 0xe5) { fxam(f); return; }
  const two = op === 0xf1 || op === 0xf3 || op === 0xf5 || op === 0xf8 || op === 0xf9 || op === 0xfd;
  if (isEmpty(f, p0) || (two && isEmpty(f, p1))) {
    if (op === 0xe4) { if (!underflow(f, -1)) setCompareCC(f, 3); return; }
    if (op === 0xf1 || op === 0xf3 || op === 0xf9) { if (!underflow(f, p1)) pop(f); return; }
    if (underflow(f, p0)) return;
    if (op === 0xf2 || op === 0xf4 || op === 0xfb) { const p = pushSlot(f); if (p >= 0) { setIndefinite(f, p); commitPush(f, p); } }
    return;
  }
  f.fsw &= ~C1;
  const x = toNumber(f, p0);
  switch (op) {
    case 0xe0: f.sexp[p0] ^= 0x8000; return; // FCHS
    case 0xe1: f.sexp[p0] &= 0x7fff; return; // FABS
    case 0xe4: { // FTST
      f.mant[2 * TMP] = 0; f.mant[2 * TMP + 1] = 0; f.sexp[TMP] = 0;
      const r = compare(f, p0, TMP, false);
      if (r >= 0) setCompareCC(f, r);
      return;
    }
    case 0xfa: if (!sqrtOp(f, TMP, p0)) copySlot(f, p0, TMP); return; // FSQRT
    case 0xfc: frndint(f, p0); return;
    case 0xfd: fscale(f, p0, p1); return;
    case 0xf4: fxtract(f, p0); return;
    case 0xf8: case 0xf5: fprem(f, p0, p1, op === 0xf5); return;
    case 0xf0: putNumber(f, p0, Math.expm1(x * Math.LN2), true); return; // F2XM1
    case 0xf1: if (!putNumber(f, p1, toNumber(f, p1) * Math.log2(x), true)) pop(f); return; // FYL2X
    case 0xf9: if (!putNumber(f, p1, toNumber(f, p1) * Math.log1p(x) / Math.LN2, true)) pop(f); return; // FYL2XP1
    case 0xf3: if (!putNumber(f, p1, Math.atan2(toNumber(f, p1), x), true)) pop(f); return; // FPATAN
  }
  // FPTAN FSINCOS FSIN FCOS: out of range (|x| >= 2^63) sets C2 and leaves ST(0).
  f.fsw &= ~C2;
  if (Number.isFinite(x) && Math.abs(x) >= 2 ** 63) { f.fsw |= C2; return; }
  if (op === 0xfe) { putNumber(f, p0, Math.sin(x), true); return; }
  if (op === 0xff) { putNumber(f, p0, Math.cos(x), true); return; }
  if (op === 0xf2 || op === 0xfb) {
    const p = pushSlot(f);
    if (p < 0) return;
    if (putNumber(f, p0, op === 0xf2 ? Math.tan(x) : Math.sin(x), true)) return;
    if (op === 0xf2) fromNumber(f, p, 1); else if (putNumber(f, p, Math.cos(x), true)) return;
    commitPush(f, p);
    return;
  }
  raiseUD(c);
}

function frndint(f: FpuState, p: number): void {
  const cls = classify(f, p);
  if (cls !== 1 && cls !== 2) { if (cls >= 4 && cls !== 4) { if (signal(f, IE)) return; setIndefinite(f, p); } return; }
  if (expOf(f, p) >= 63) return;
  const neg = (f.sexp[p] & 0x8000) !== 0;
  toInt(f, p, 8, (f.fcw >> 10) & 3);
  if (cvtInexact) { if (signal(f, PE)) return; if (cvtUp) f.fsw |= C1; }
  fromInt64(f, p, outLo, outHi);
  if (neg) f.sexp[p] |= 0x8000;
}

function fscale(f: FpuState, p0: number, p1: number): void {
  const c0 = classify(f, p0), c1 = classify(f, p1);
  if (c0 >= 4 || c1 >= 4) { if (signal(f, IE)) return; if (c0 !== 4) setIndefinite(f, p0); return; }
  if (c0 === 0 || c0 === 3 || c1 === 3) {
    if (c1 === 3) {
      const n1 = (f.sexp[p1] & 0x8000) !== 0;
      if ((c0 === 0 && !n1) || (c0 === 3 && n1)) { if (!signal(f, IE)) setIndefinite(f, p0); return; }
      if (c0 !== 0 && c0 !== 3) { const s = f.sexp[p0] & 0x8000; fromNumber(f, p0, n1 ? 0 : Infinity); f.sexp[p0] |= s; }
    }
    return;
  }
  let n = Math.trunc(toNumber(f, p1));
  if (n > 70000) n = 70000; else if (n < -70000) n = -70000;
  const m = mantNumber(f, p0), e = expOf(f, p0);
  finish(f, p0, (f.sexp[p0] & 0x8000) !== 0 ? -m : m, 0, e + n);
}

function fxtract(f: FpuState, p0: number): void {
  const cls = classify(f, p0);
  const p = pushSlot(f);
  if (p < 0) return;
  if (cls >= 4) { if (cls !== 4 && signal(f, IE)) return; copySlot(f, p, p0); if (cls !== 4) setIndefinite(f, p0); else f.mant[2 * p + 1] |= 0x40000000; commitPush(f, p); return; }
  if (cls === 0) { if (signal(f, ZE)) return; copySlot(f, p, p0); fromNumber(f, p0, -Infinity); commitPush(f, p); return; }
  if (cls === 3) { copySlot(f, p, p0); f.sexp[p0] &= 0x7fff; commitPush(f, p); return; }
  // Normalize a denormal, then split.
  const m = mantNumber(f, p0), e = expOf(f, p0);
  const s = f.sexp[p0] & 0x8000;
  const shift = Math.floor(Math.log2(m));
  copySlot(f, p, p0);
  f.sexp[p] = s | 0x3fff;
  fromNumber(f, p0, e + shift);
  commitPush(f, p);
}

/** FPREM (truncating) / FPREM1 (IEEE): ST(0) = ST(0) rem ST(1); C0 C3 C1 = quotient bits 2, 1, 0. */
function fprem(f: FpuState, p0: number, p1: number, ieee: boolean): void {
  const c0 = classify(f, p0), c1 = classify(f, p1);
  f.fsw &= ~(C0 | C1 | C2 | C3);
  if (c0 >= 4 || c1 >= 4) { if ((c0 >= 5 || c1 >= 5) && signal(f, IE)) return; if (c0 < 4) copySlot(f, p0, p1); f.mant[2 * p0 + 1] |= 0x40000000; return; }
  if (c0 === 3 || c1 === 0) { if (!signal(f, IE)) setIndefinite(f, p0); return; }
  if (c0 === 0 || c1 === 3) return;
  const ea = expOf(f, p0), eb = expOf(f, p1);
  const neg = (f.sexp[p0] & 0x8000) !== 0;
  const ma = mantNumber(f, p0), mb = mantNumber(f, p1);
  let d = ea - eb;
  let partial = false;
  if (d >= 64) { partial = true; d = 32 + ((d - 32) % 32); }
  if (d < 0 && !ieee) return;
  if (d < -1) return;
  const x = ma * 2 ** d;
  let r = x % mb;
  let q = Math.round((x - r) / mb);
  if (ieee && !partial && (r > mb / 2 || (r === mb / 2 && (q & 1) === 1))) { r -= mb; q += 1; }
  if (r === 0) { f.sexp[p0] &= 0x8000; f.mant[2 * p0] = 0; f.mant[2 * p0 + 1] = 0; }
  else finish(f, p0, neg ? -r : r, 0, eb + (partial ? ea - eb - d : 0));
  if (partial) { f.fsw |= C2; return; }
  f.fsw |= ((q & 4) !== 0 ? C0 : 0) | ((q & 2) !== 0 ? C3 : 0) | ((q & 1) !== 0 ? C1 : 0);
  void SF; void markValid;
}
