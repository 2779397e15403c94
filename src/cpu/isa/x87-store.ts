// FST m32/m64 conversion (SDM FST): round ST(i) to 24/53 bits with the rounding control
// (exactly, via the precision-control path of x87-math), then range-check the exponent:
// overflow gives OE|PE and infinity or the largest finite value by RC; tiny results
// become denormals (rounded to nearest) with UE|PE when inexact.
import type { FpuState } from '../fpu-state';
import { classify, outHi, outLo, toF32Bits, toF64Bits, toNumber, cvtSnan, setOut } from './x87-conv';
import { C1, OE, PE, TMP, UE, signal } from './x87-core';
import { roundCopy } from './x87-math';

/** Converts ST slot p to float32 (double=false) or float64 bits in outLo/outHi; returns snan. */
export function storeReal(f: FpuState, p: number, double: boolean): boolean {
  const cls = classify(f, p);
  if (cls === 6) {
    if (double) setOut(0, 0xfff80000 | 0); else setOut(0xffc00000 | 0, 0);
    return true;
  }
  if (cls !== 1 && cls !== 2) {
    if (double) toF64Bits(f, p); else toF32Bits(f, p);
    return cvtSnan;
  }
  const neg = (f.sexp[p] & 0x8000) !== 0;
  const fcw = f.fcw;
  f.fcw = (fcw & ~0x300) | (double ? 0x200 : 0) | 0x3f; // masked: the store completes
  roundCopy(f, TMP, p, neg);
  f.fcw = fcw;
  const u = (f.sexp[TMP] & 0x7fff) - 16383;
  const maxE = double ? 1023 : 127, minE = double ? -1022 : -126;
  const sign = neg ? 0x80000000 | 0 : 0;
  const hi = f.mant[2 * TMP + 1], lo = f.mant[2 * TMP];
  if (u > maxE) {
    signal(f, OE | PE);
    const rc = (fcw >> 10) & 3;
    const inf = rc === 0 || (rc === 2 && !neg) || (rc === 1 && neg);
    if (double) setOut(inf ? 0 : -1, sign | (inf ? 0x7ff00000 : 0x7fefffff));
    else setOut(sign | (inf ? 0x7f800000 : 0x7f7fffff), 0);
    f.fsw = inf ? f.fsw | C1 : f.fsw & ~C1;
    return false;
  }
  if (u < minE) {
    // Tiny: denormal result, rounded to nearest from the original value.
    if (double) toF64Bits(f, p); else toF32Bits(f, p);
    const back = double ? doubleOf(outLo, outHi) : floatOf(outLo);
    if (back !== toNumber(f, p)) signal(f, UE | PE);
    return false;
  }
  if (double) setOut((hi << 21) | (lo >>> 11), sign | ((u + 1023) << 20) | ((hi >>> 11) & 0xfffff));
  else setOut(sign | ((u + 127) << 23) | ((hi >>> 8) & 0x7fffff), 0);
  return false;
}
const F64 = new Float64Array(1), I32 = new Int32Array(F64.buffer);
const F32 = new Float32Array(1), J32 = new Int32Array(F32.buffer);
function doubleOf(lo: number, hi: number): number { I32[0] = lo; I32[1] = hi; return F64[0]; }
function floatOf(b: number): number { J32[0] = b; return F32[0]; }
