// SSE/SSE2 conversions (APM Vol.4 CVT*): 0F 2A 2C 2D 5A 5B E6. Rounding per MXCSR.RC
// (the CVTT forms truncate); out-of-range and NaN give the integer indefinite value with IE.
import type { Cpu } from '../cpu';
import { readE, writeReg } from '../operands';
import { read64 } from '../mmu';
import { raiseUD } from '../exceptions';
import { B32, R32, commitFlags, loadB, loadB32, loadB64, sseCheck, storeR } from './sse-common';
import { cvt32to64, cvt64to32, cvtIn32, cvtIn64, fl, fpBegin, intTo32, intTo64, rHi, toInt } from './sse-float';

/** MMX register access for the CVTPI forms: MMn aliases the x87 significand (fpu-state.ts). */
function mmxEnter(c: Cpu): void {
  c.fpu.fsw &= ~0x3800; // TOP = 0
  c.fpu.tags = 0xff;
}
function loadMmxB(c: Cpu): void {
  if (c.mod === 3) {
    mmxEnter(c);
    const m = c.fpu.mant, r = (c.modrm & 7) << 1;
    B32[0] = m[r]; B32[1] = m[r + 1];
  } else {
    B32[0] = read64(c, c.eaSeg, c.eaLo, c.eaHi); B32[1] = c.tHi;
  }
}
function writeMmxG(c: Cpu, lo: number, hi: number): void {
  mmxEnter(c);
  const r = (c.modrm >> 3) & 7;
  c.fpu.mant[r << 1] = lo; c.fpu.mant[(r << 1) | 1] = hi;
  c.fpu.sexp[r] = 0xffff;
}

/** 0F 2A: CVTPI2PS, CVTPI2PD (66), CVTSI2SS (F3), CVTSI2SD (F2). */
export function cvt2A(c: Cpu): void {
  sseCheck(c); fpBegin(c.mxcsr);
  const g = c.regG << 2, x = c.xmm;
  switch (c.simdPrefix) {
    case 0: {
      loadMmxB(c);
      const a = intTo32(B32[0], B32[0] >> 31), b = intTo32(B32[1], B32[1] >> 31);
      commitFlags(c, fl); x[g] = a; x[g + 1] = b; return;
    }
    case 0x66: {
      loadMmxB(c);
      R32[0] = intTo64(B32[0], B32[0] >> 31); R32[1] = rHi;
      R32[2] = intTo64(B32[1], B32[1] >> 31); R32[3] = rHi;
      storeR(c); return;
    }
    case 0xf3: {
      const w = (c.rex & 8) !== 0;
      const lo = readE(c, w ? 8 : 4);
      const r = intTo32(lo, w ? c.tHi : lo >> 31);
      commitFlags(c, fl); x[g] = r; return;
    }
    default: {
      const w = (c.rex & 8) !== 0;
      const lo = readE(c, w ? 8 : 4);
      const r = intTo64(lo, w ? c.tHi : lo >> 31), h = rHi;
      commitFlags(c, fl); x[g] = r; x[g + 1] = h;
    }
  }
}

/** 0F 2C (truncating) / 2D: CVT(T)PS2PI, CVT(T)PD2PI (66), CVT(T)SS2SI (F3), CVT(T)SD2SI (F2). */
export function cvt2C(c: Cpu, trunc: boolean): void {
  sseCheck(c); fpBegin(c.mxcsr);
  switch (c.simdPrefix) {
    case 0: {
      loadB64(c);
      const a = toInt(cvtIn32(B32[0]), false, trunc), b = toInt(cvtIn32(B32[1]), false, trunc);
      commitFlags(c, fl); writeMmxG(c, a, b); return;
    }
    case 0x66: {
      loadB(c, true);
      const a = toInt(cvtIn64(B32[0], B32[1]), false, trunc), b = toInt(cvtIn64(B32[2], B32[3]), false, trunc);
      commitFlags(c, fl); writeMmxG(c, a, b); return;
    }
    case 0xf3: {
      const w = (c.rex & 8) !== 0;
      loadB32(c);
      const lo = toInt(cvtIn32(B32[0]), w, trunc), hi = rHi;
      commitFlags(c, fl); writeReg(c, w ? 8 : 4, c.regG, lo, hi); return;
    }
    default: {
      const w = (c.rex & 8) !== 0;
      loadB64(c);
      const lo = toInt(cvtIn64(B32[0], B32[1]), w, trunc), hi = rHi;
      commitFlags(c, fl); writeReg(c, w ? 8 : 4, c.regG, lo, hi);
    }
  }
}

/** 0F 5A: CVTPS2PD, CVTPD2PS (66), CVTSS2SD (F3), CVTSD2SS (F2). */
export function cvt5A(c: Cpu): void {
  sseCheck(c); fpBegin(c.mxcsr);
  const g = c.regG << 2, x = c.xmm;
  switch (c.simdPrefix) {
    case 0:
      loadB64(c);
      R32[0] = cvt32to64(B32[0]); R32[1] = rHi;
      R32[2] = cvt32to64(B32[1]); R32[3] = rHi;
      commitFlags(c, fl); storeR(c); return;
    case 0x66:
      loadB(c, true);
      R32[0] = cvt64to32(B32[0], B32[1]); R32[1] = cvt64to32(B32[2], B32[3]); R32[2] = 0; R32[3] = 0;
      commitFlags(c, fl); storeR(c); return;
    case 0xf3: {
      loadB32(c);
      const lo = cvt32to64(B32[0]), hi = rHi;
      commitFlags(c, fl); x[g] = lo; x[g + 1] = hi; return;
    }
    default: {
      loadB64(c);
      const r = cvt64to32(B32[0], B32[1]);
      commitFlags(c, fl); x[g] = r;
    }
  }
}

/** 0F 5B: CVTDQ2PS, CVTPS2DQ (66), CVTTPS2DQ (F3). */
export function cvt5B(c: Cpu): void {
  if (c.simdPrefix === 0xf2) raiseUD(c);
  sseCheck(c); fpBegin(c.mxcsr); loadB(c, true);
  if (c.simdPrefix === 0) for (let k = 0; k < 4; k++) R32[k] = intTo32(B32[k], B32[k] >> 31);
  else for (let k = 0; k < 4; k++) R32[k] = toInt(cvtIn32(B32[k]), false, c.simdPrefix === 0xf3);
  commitFlags(c, fl); storeR(c);
}

/** 0F E6: CVTTPD2DQ (66), CVTDQ2PD (F3, m64), CVTPD2DQ (F2). */
export function cvtE6(c: Cpu): void {
  if (c.simdPrefix === 0) raiseUD(c);
  sseCheck(c); fpBegin(c.mxcsr);
  if (c.simdPrefix === 0xf3) {
    loadB64(c);
    R32[0] = intTo64(B32[0], B32[0] >> 31); R32[1] = rHi;
    R32[2] = intTo64(B32[1], B32[1] >> 31); R32[3] = rHi;
  } else {
    loadB(c, true);
    const t = c.simdPrefix === 0x66;
    R32[0] = toInt(cvtIn64(B32[0], B32[1]), false, t); R32[1] = toInt(cvtIn64(B32[2], B32[3]), false, t);
    R32[2] = 0; R32[3] = 0;
  }
  commitFlags(c, fl); storeR(c);
}
