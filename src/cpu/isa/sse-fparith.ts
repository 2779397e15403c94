// SSE/SSE2/SSE3 floating-point arithmetic: ADD SUB MUL DIV MIN MAX SQRT (PS PD SS SD),
// RCPPS/RSQRTPS (approximate), CMPPS/PD/SS/SD, (U)COMISS/SD, ADDSUBPS/PD, HADD/HSUB PS/PD
// (APM Vol.4; Intel SDM Vol.2). Packed legacy forms require 16-byte aligned memory.
import type { Cpu } from '../cpu';
import { setArithFlags } from '../flags';
import { CF, PF, ZF } from '../regs';
import { A32, B32, R32, commitFlags, loadA, loadB, loadB32, loadB64, sseCheck, storeR, MX_DE, MX_IE } from './sse-common';
import {
  addFlags, bits32, daz32, daz64, dazLo, f32, f64, fl, fpBegin, isDen32, isDen64, isNaN32, isNaN64, isSNaN32, isSNaN64,
  op32, op64, rHi, OP_ADD, OP_SUB, DEF_NAN32,
} from './sse-float';

/** Packed single: xmm G <- op(G, E). */
export function ps(c: Cpu, op: number): void {
  sseCheck(c); loadB(c, true); loadA(c); fpBegin(c.mxcsr);
  for (let k = 0; k < 4; k++) R32[k] = op32(op, A32[k], B32[k]);
  commitFlags(c, fl); storeR(c);
}
export function ss(c: Cpu, op: number): void {
  sseCheck(c); loadB32(c); fpBegin(c.mxcsr);
  const g = c.regG << 2;
  const r = op32(op, c.xmm[g], B32[0]);
  commitFlags(c, fl); c.xmm[g] = r;
}
export function pd(c: Cpu, op: number): void {
  sseCheck(c); loadB(c, true); loadA(c); fpBegin(c.mxcsr);
  for (let k = 0; k < 4; k += 2) { R32[k] = op64(op, A32[k], A32[k + 1], B32[k], B32[k + 1]); R32[k + 1] = rHi; }
  commitFlags(c, fl); storeR(c);
}
export function sd(c: Cpu, op: number): void {
  sseCheck(c); loadB64(c); fpBegin(c.mxcsr);
  const g = c.regG << 2, x = c.xmm;
  const lo = op64(op, x[g], x[g + 1], B32[0], B32[1]);
  const hi = rHi;
  commitFlags(c, fl); x[g] = lo; x[g + 1] = hi;
}

// ---- RCPPS / RSQRTPS / RCPSS / RSQRTSS: approximations (relative error <= 1.5 * 2^-12), no flags.
function approx(x: number, rsqrt: boolean): number {
  if (isNaN32(x)) return x | 0x400000;
  if (isDen32(x)) x &= 0x80000000; // denormal inputs behave as zero
  const v = f32(x);
  if (rsqrt) {
    if (v === 0) return (x & 0x80000000) | 0x7f800000;
    if (v < 0) return DEF_NAN32;
    return bits32(1 / Math.sqrt(v));
  }
  const r = bits32(1 / v);
  return (r & 0x7f800000) === 0 ? r & 0x80000000 : r; // tiny results flush to zero
}
export function rcpPs(c: Cpu, rsqrt: boolean, scalar: boolean): void {
  sseCheck(c);
  const g = c.regG << 2, x = c.xmm;
  if (scalar) { loadB32(c); x[g] = approx(B32[0], rsqrt); return; }
  loadB(c, true);
  for (let k = 0; k < 4; k++) x[g + k] = approx(B32[k], rsqrt);
}

// ---- Compares (CMPccPS etc.): imm8[2:0] predicate; LT LE NLT NLE signal on QNaN.
function pred(p: number, x: number, y: number, unord: boolean): boolean {
  switch (p) {
    case 0: return !unord && x === y;
    case 1: return !unord && x < y;
    case 2: return !unord && x <= y;
    case 3: return unord;
    case 4: return unord || x !== y;
    case 5: return unord || !(x < y);
    case 6: return unord || !(x <= y);
    default: return !unord;
  }
}
function cmp32(p: number, a: number, b: number): number {
  a = daz32(a); b = daz32(b);
  const un = isNaN32(a) || isNaN32(b);
  if (un) { if (isSNaN32(a) || isSNaN32(b) || (p & 3) === 1 || (p & 3) === 2) addFlags(MX_IE); } else if (isDen32(a) || isDen32(b)) addFlags(MX_DE);
  return pred(p, un ? 0 : f32(a), un ? 0 : f32(b), un) ? -1 : 0;
}
function cmp64(p: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  aHi = daz64(aLo, aHi); aLo = dazLo; bHi = daz64(bLo, bHi); bLo = dazLo;
  const un = isNaN64(aLo, aHi) || isNaN64(bLo, bHi);
  if (un) { if (isSNaN64(aLo, aHi) || isSNaN64(bLo, bHi) || (p & 3) === 1 || (p & 3) === 2) addFlags(MX_IE); } else if (isDen64(aLo, aHi) || isDen64(bLo, bHi)) addFlags(MX_DE);
  return pred(p, un ? 0 : f64(aLo, aHi), un ? 0 : f64(bLo, bHi), un) ? -1 : 0;
}
export function cmpps(c: Cpu): void {
  sseCheck(c); fpBegin(c.mxcsr);
  const p = c.immLo & 7, g = c.regG << 2, x = c.xmm;
  switch (c.simdPrefix) {
    case 0: loadB(c, true); loadA(c); for (let k = 0; k < 4; k++) R32[k] = cmp32(p, A32[k], B32[k]); break;
    case 0x66: loadB(c, true); loadA(c); for (let k = 0; k < 4; k += 2) R32[k] = R32[k + 1] = cmp64(p, A32[k], A32[k + 1], B32[k], B32[k + 1]); break;
    case 0xf3: { loadB32(c); const r = cmp32(p, x[g], B32[0]); commitFlags(c, fl); x[g] = r; return; }
    default: { loadB64(c); const r = cmp64(p, x[g], x[g + 1], B32[0], B32[1]); commitFlags(c, fl); x[g] = r; x[g + 1] = r; return; }
  }
  commitFlags(c, fl); storeR(c);
}

/** COMISS/UCOMISS (no prefix) and COMISD/UCOMISD (66): ZF PF CF; OF SF AF cleared. */
export function comis(c: Cpu, signalQnan: boolean): void {
  sseCheck(c); fpBegin(c.mxcsr);
  const g = c.regG << 2, x = c.xmm;
  let un: boolean, lt = false, eq = false;
  if (c.simdPrefix === 0x66) {
    loadB64(c);
    const aHi = daz64(x[g], x[g + 1]), aLo = dazLo, bHi = daz64(B32[0], B32[1]), bLo = dazLo;
    un = isNaN64(aLo, aHi) || isNaN64(bLo, bHi);
    if (un) { if (signalQnan || isSNaN64(aLo, aHi) || isSNaN64(bLo, bHi)) addFlags(MX_IE); } else {
      if (isDen64(aLo, aHi) || isDen64(bLo, bHi)) addFlags(MX_DE);
      const p = f64(aLo, aHi), q = f64(bLo, bHi); lt = p < q; eq = p === q;
    }
  } else {
    loadB32(c);
    const a = daz32(x[g]), b = daz32(B32[0]);
    un = isNaN32(a) || isNaN32(b);
    if (un) { if (signalQnan || isSNaN32(a) || isSNaN32(b)) addFlags(MX_IE); } else {
      if (isDen32(a) || isDen32(b)) addFlags(MX_DE);
      const p = f32(a), q = f32(b); lt = p < q; eq = p === q;
    }
  }
  commitFlags(c, fl);
  setArithFlags(c, un ? ZF | PF | CF : lt ? CF : eq ? ZF : 0);
}

// ---- SSE3: ADDSUBPS/PD (66 / F2 0F D0), HADDPS/PD (F2 / 66 0F 7C), HSUBPS/PD (7D).
export function addsub(c: Cpu): void {
  sseCheck(c); loadB(c, true); loadA(c); fpBegin(c.mxcsr);
  if (c.simdPrefix === 0xf2) {
    for (let k = 0; k < 4; k++) R32[k] = op32((k & 1) === 0 ? OP_SUB : OP_ADD, A32[k], B32[k]);
  } else {
    R32[0] = op64(OP_SUB, A32[0], A32[1], B32[0], B32[1]); R32[1] = rHi;
    R32[2] = op64(OP_ADD, A32[2], A32[3], B32[2], B32[3]); R32[3] = rHi;
  }
  commitFlags(c, fl); storeR(c);
}
export function hadd(c: Cpu, op: number): void {
  sseCheck(c); loadB(c, true); loadA(c); fpBegin(c.mxcsr);
  if (c.simdPrefix === 0xf2) {
    R32[0] = op32(op, A32[0], A32[1]); R32[1] = op32(op, A32[2], A32[3]);
    R32[2] = op32(op, B32[0], B32[1]); R32[3] = op32(op, B32[2], B32[3]);
  } else {
    R32[0] = op64(op, A32[0], A32[1], A32[2], A32[3]); R32[1] = rHi;
    R32[2] = op64(op, B32[0], B32[1], B32[2], B32[3]); R32[3] = rHi;
  }
  commitFlags(c, fl); storeR(c);
}

// ---- Bitwise logic on 128 bits: ANDPS/PD, ANDNPS/PD, ORPS/PD, XORPS/PD, PAND, PANDN, POR, PXOR.
export const L_AND = 0, L_ANDN = 1, L_OR = 2, L_XOR = 3;
export function logic(c: Cpu, kind: number): void {
  sseCheck(c); loadB(c, true);
  const g = c.regG << 2, x = c.xmm;
  for (let k = 0; k < 4; k++) {
    const a = x[g + k], b = B32[k];
    x[g + k] = kind === L_AND ? a & b : kind === L_ANDN ? ~a & b : kind === L_OR ? a | b : a ^ b;
  }
}
