// SSE/SSE2/SSE3 data movement (APM Vol.4): MOVUPS/UPD/APS/APD/DQA/DQU, MOVSS/SD, MOVL/HPS/PD,
// MOVHLPS/LHPS, MOVD/MOVQ, MOVMSKPS/PD, PMOVMSKB, MOVNTI/NTPS/NTDQ, MASKMOVDQU, MOVDDUP,
// MOVSLDUP/SHDUP, LDDQU, MOVQ2DQ/MOVDQ2Q. Moves are integer copies (NaN payloads kept).
import type { Cpu } from '../cpu';
import { readE, writeE, writeReg, readReg } from '../operands';
import { read32, read64, write8 } from '../mmu';
import { raiseUD } from '../exceptions';
import { DS } from '../regs';
import { B, B32, loadB, loadB64, requireMem, requireReg, sseCheck, storeGtoE, storeMem32, storeMem64 } from './sse-common';

/** 0F 10 / 28 / 6F loads: xmm G <- xmm/m128 (aligned when `align`). */
export function movLoad(c: Cpu, align: boolean): void {
  sseCheck(c); loadB(c, align);
  const x = c.xmm, g = c.regG << 2;
  x[g] = B32[0]; x[g + 1] = B32[1]; x[g + 2] = B32[2]; x[g + 3] = B32[3];
}
export function movStore(c: Cpu, align: boolean): void {
  sseCheck(c); storeGtoE(c, align);
}

/** F3 0F 10 MOVSS / F2 0F 10 MOVSD loads: register merges the low lane(s); memory zeroes the rest. */
export function movssLoad(c: Cpu, dbl: boolean): void {
  sseCheck(c);
  const x = c.xmm, g = c.regG << 2;
  if (c.mod === 3) {
    const e = c.regE << 2;
    x[g] = x[e];
    if (dbl) x[g + 1] = x[e + 1];
    return;
  }
  if (dbl) { x[g] = read64(c, c.eaSeg, c.eaLo, c.eaHi); x[g + 1] = c.tHi; } else { x[g] = read32(c, c.eaSeg, c.eaLo, c.eaHi); x[g + 1] = 0; }
  x[g + 2] = 0; x[g + 3] = 0;
}
export function movssStore(c: Cpu, dbl: boolean): void {
  sseCheck(c);
  const x = c.xmm, g = c.regG << 2;
  if (c.mod === 3) {
    const e = c.regE << 2;
    x[e] = x[g];
    if (dbl) x[e + 1] = x[g + 1];
  } else if (dbl) storeMem64(c, x[g], x[g + 1]);
  else storeMem32(c, x[g]);
}

/** 0F 12 / 16: MOVLPS/MOVHLPS, MOVLPD, MOVHPS/MOVLHPS, MOVHPD (half = 0 low, 2 high). */
export function movHalfLoad(c: Cpu, half: number): void {
  sseCheck(c);
  const x = c.xmm, g = (c.regG << 2) + half;
  if (c.mod === 3) {
    if (c.simdPrefix === 0x66) raiseUD(c);
    const e = (c.regE << 2) + (2 - half); // MOVHLPS takes E's high half, MOVLHPS its low half
    x[g] = x[e]; x[g + 1] = x[e + 1];
    return;
  }
  const lo = read64(c, c.eaSeg, c.eaLo, c.eaHi);
  x[g] = lo; x[g + 1] = c.tHi;
}
/** 0F 13 / 17: MOVLPS/MOVLPD m64, xmm and MOVHPS/MOVHPD m64, xmm. */
export function movHalfStore(c: Cpu, half: number): void {
  sseCheck(c); requireMem(c);
  const x = c.xmm, g = (c.regG << 2) + half;
  storeMem64(c, x[g], x[g + 1]);
}

/** F3 0F 12 MOVSLDUP, F3 0F 16 MOVSHDUP (odd = 1), F2 0F 12 MOVDDUP. */
export function movDup(c: Cpu, kind: number): void {
  sseCheck(c);
  const x = c.xmm, g = c.regG << 2;
  if (kind === 2) { loadB64(c); x[g] = x[g + 2] = B32[0]; x[g + 1] = x[g + 3] = B32[1]; return; }
  loadB(c, true);
  x[g] = x[g + 1] = B32[kind]; x[g + 2] = x[g + 3] = B32[2 + kind];
}

/** 0F 50 MOVMSKPS / 66 0F 50 MOVMSKPD: sign bits to a GPR. */
export function movmsk(c: Cpu): void {
  sseCheck(c); requireReg(c);
  const x = c.xmm, e = c.regE << 2;
  const v = c.simdPrefix === 0x66 ? ((x[e + 1] >>> 31) | ((x[e + 3] >>> 31) << 1))
    : (x[e] >>> 31) | ((x[e + 1] >>> 31) << 1) | ((x[e + 2] >>> 31) << 2) | ((x[e + 3] >>> 31) << 3);
  writeReg(c, 4, c.regG, v, 0);
}
/** 66 0F D7 PMOVMSKB r32, xmm. */
export function pmovmskb(c: Cpu): void {
  sseCheck(c); requireReg(c); loadB(c, false);
  let v = 0;
  for (let k = 0; k < 16; k++) v |= (B.u8[k] >> 7) << k;
  writeReg(c, 4, c.regG, v, 0);
}

/** 66 0F 6E MOVD/MOVQ xmm, r/m32/64 (upper lanes zeroed). */
export function movdToXmm(c: Cpu): void {
  sseCheck(c);
  const w = (c.rex & 8) !== 0;
  const lo = readE(c, w ? 8 : 4);
  const x = c.xmm, g = c.regG << 2;
  x[g] = lo; x[g + 1] = w ? c.tHi : 0; x[g + 2] = 0; x[g + 3] = 0;
}
/** 66 0F 7E MOVD/MOVQ r/m32/64, xmm. */
export function movdFromXmm(c: Cpu): void {
  sseCheck(c);
  const w = (c.rex & 8) !== 0;
  const x = c.xmm, g = c.regG << 2;
  writeE(c, w ? 8 : 4, x[g], x[g + 1]);
}
/** F3 0F 7E MOVQ xmm, xmm/m64 (zero upper). */
export function movqLoad(c: Cpu): void {
  sseCheck(c); loadB64(c);
  const x = c.xmm, g = c.regG << 2;
  x[g] = B32[0]; x[g + 1] = B32[1]; x[g + 2] = 0; x[g + 3] = 0;
}
/** 66 0F D6 MOVQ xmm/m64, xmm (a register destination has its upper half zeroed). */
export function movqStore(c: Cpu): void {
  sseCheck(c);
  const x = c.xmm, g = c.regG << 2;
  if (c.mod === 3) {
    const e = c.regE << 2;
    x[e] = x[g]; x[e + 1] = x[g + 1]; x[e + 2] = 0; x[e + 3] = 0;
  } else storeMem64(c, x[g], x[g + 1]);
}
/** F3 0F D6 MOVQ2DQ xmm, mm; F2 0F D6 MOVDQ2Q mm, xmm (register forms only). */
export function movq2dq(c: Cpu, toXmm: boolean): void {
  sseCheck(c); requireReg(c);
  const f = c.fpu, x = c.xmm;
  f.fsw &= ~0x3800; f.tags = 0xff; // x87 -> MMX transition
  if (toXmm) {
    const m = (c.modrm & 7) << 1, g = c.regG << 2;
    x[g] = f.mant[m]; x[g + 1] = f.mant[m + 1]; x[g + 2] = 0; x[g + 3] = 0;
  } else {
    const r = (c.modrm >> 3) & 7, e = c.regE << 2;
    f.mant[r << 1] = x[e]; f.mant[(r << 1) | 1] = x[e + 1]; f.sexp[r] = 0xffff;
  }
}

/** 0F C3 MOVNTI m32/64, r32/64. */
export function movnti(c: Cpu): void {
  if (c.simdPrefix !== 0) raiseUD(c);
  requireMem(c);
  const w = (c.rex & 8) !== 0;
  const lo = readReg(c, w ? 8 : 4, c.regG);
  writeE(c, w ? 8 : 4, lo, c.tHi);
}
/** 0F 2B MOVNTPS/PD, 66 0F E7 MOVNTDQ: aligned non-temporal store. */
export function movnt(c: Cpu): void {
  sseCheck(c); requireMem(c); storeGtoE(c, true);
}
/** F2 0F F0 LDDQU xmm, m128 (unaligned). */
export function lddqu(c: Cpu): void {
  requireMem(c); movLoad(c, false);
}

/** 66 0F F7 MASKMOVDQU xmm1, xmm2: bytes of xmm1 whose xmm2 mask byte has bit 7 set go to DS:rDI. */
export function maskmovdqu(c: Cpu): void {
  sseCheck(c); requireReg(c);
  const x = c.xmm, g = c.regG << 2, e = c.regE << 2;
  const seg = c.segOverride >= 0 ? c.segOverride : DS;
  const diLo = c.gpr[14], diHi = c.adSize === 8 ? c.gpr[15] : 0;
  for (let k = 0; k < 16; k++) {
    if (((x[e + (k >> 2)] >>> ((k & 3) * 8)) & 0x80) === 0) continue;
    const s = (diLo >>> 0) + k;
    let lo: number, hi = diHi;
    if (c.adSize === 2) lo = s & 0xffff;
    else { lo = s | 0; if (c.adSize === 8 && s > 0xffffffff) hi = (hi + 1) | 0; }
    write8(c, seg, lo, hi, (x[g + (k >> 2)] >>> ((k & 3) * 8)) & 0xff);
  }
}

/** 66 0F C5 PEXTRW r32, xmm, imm8 / 66 0F C4 PINSRW xmm, r32/m16, imm8. */
export function pextrw(c: Cpu): void {
  sseCheck(c); requireReg(c);
  const i = c.immLo & 7, v = (c.xmm[(c.regE << 2) + (i >> 1)] >>> ((i & 1) * 16)) & 0xffff;
  writeReg(c, 4, c.regG, v, 0);
}
export function pinsrw(c: Cpu): void {
  sseCheck(c);
  const v = (c.mod === 3 ? c.gpr[c.regE << 1] : readE(c, 2)) & 0xffff;
  const i = c.immLo & 7, idx = (c.regG << 2) + (i >> 1), sh = (i & 1) * 16;
  c.xmm[idx] = (c.xmm[idx] & ~(0xffff << sh)) | (v << sh);
}

