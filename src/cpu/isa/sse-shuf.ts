// SSE/SSE2 shuffles, unpacks, packs and shifts (APM Vol.4): SHUFPS/PD, UNPCKL/HPS/PD,
// PSHUFD/HW/LW, PUNPCKL/H BW WD DQ QDQ, PACKSSWB/SSDW/USWB, PSLL/PSRL/PSRA W D Q by xmm
// or imm8 (0F 71-73 groups, PSLLDQ/PSRLDQ).
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';
import { A, B, R, A32, B32, R32, loadA, loadB, requireReg, sseCheck, storeR } from './sse-common';

/** 0F C6 SHUFPS / 66 0F C6 SHUFPD. */
export function shufp(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const i = c.immLo;
  if (c.simdPrefix === 0x66) {
    const s = (i & 1) << 1, t = (i & 2);
    R32[0] = A32[s]; R32[1] = A32[s + 1]; R32[2] = B32[t]; R32[3] = B32[t + 1];
  } else {
    R32[0] = A32[i & 3]; R32[1] = A32[(i >> 2) & 3]; R32[2] = B32[(i >> 4) & 3]; R32[3] = B32[(i >> 6) & 3];
  }
  storeR(c);
}
/** 0F 14/15 UNPCKLPS/UNPCKHPS, 66: UNPCKLPD/UNPCKHPD (hi = 0 low halves, 2 high halves). */
export function unpckp(c: Cpu, hi: number): void {
  sseCheck(c); loadA(c); loadB(c, true);
  if (c.simdPrefix === 0x66) {
    R32[0] = A32[hi]; R32[1] = A32[hi + 1]; R32[2] = B32[hi]; R32[3] = B32[hi + 1];
  } else {
    R32[0] = A32[hi]; R32[1] = B32[hi]; R32[2] = A32[hi + 1]; R32[3] = B32[hi + 1];
  }
  storeR(c);
}

/** 66 0F 70 PSHUFD, F3 0F 70 PSHUFHW, F2 0F 70 PSHUFLW. */
export function pshuf(c: Cpu): void {
  sseCheck(c); loadB(c, true);
  const i = c.immLo;
  if (c.simdPrefix === 0x66) {
    for (let k = 0; k < 4; k++) R32[k] = B32[(i >> (2 * k)) & 3];
  } else {
    const base = c.simdPrefix === 0xf3 ? 4 : 0, keep = 4 - base;
    for (let k = 0; k < 4; k++) { R.u16[base + k] = B.u16[base + ((i >> (2 * k)) & 3)]; R.u16[keep + k] = B.u16[keep + k]; }
  }
  storeR(c);
}

/** 66 0F 60-62, 68-6A, 6C, 6D: interleave elements of `size` bytes from the low (0) or high (8) halves. */
export function punpck(c: Cpu, size: number, half: number): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const a = A.u8, b = B.u8, r = R.u8;
  for (let k = 0, o = 0; k < 8; k += size) {
    for (let j = 0; j < size; j++) r[o + j] = a[half + k + j];
    o += size;
    for (let j = 0; j < size; j++) r[o + j] = b[half + k + j];
    o += size;
  }
  storeR(c);
}

/** 66 0F 63 PACKSSWB, 67 PACKUSWB, 6B PACKSSDW. */
export function pack(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const op = c.opcode & 0xff;
  if (op === 0x6b) {
    for (let k = 0; k < 4; k++) {
      const x = A32[k], y = B32[k];
      R.i16[k] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
      R.i16[k + 4] = y > 32767 ? 32767 : y < -32768 ? -32768 : y;
    }
  } else {
    const lo = op === 0x63 ? -128 : 0, hi = op === 0x63 ? 127 : 255;
    for (let k = 0; k < 8; k++) {
      const x = A.i16[k], y = B.i16[k];
      R.u8[k] = x > hi ? hi : x < lo ? lo : x;
      R.u8[k + 8] = y > hi ? hi : y < lo ? lo : y;
    }
  }
  storeR(c);
}

// ---- Shifts. kind: 0 logical right, 1 arithmetic right, 2 left. A holds the operand; result in R.
function shift(width: number, kind: number, count: number): void {
  if (width === 16) {
    for (let k = 0; k < 8; k++) {
      const v = A.u16[k];
      R.u16[k] = count > 15 ? (kind === 1 ? A.i16[k] >> 15 : 0) : kind === 0 ? v >>> count : kind === 1 ? A.i16[k] >> count : v << count;
    }
  } else if (width === 32) {
    for (let k = 0; k < 4; k++) {
      const v = A32[k];
      R32[k] = count > 31 ? (kind === 1 ? v >> 31 : 0) : kind === 0 ? v >>> count : kind === 1 ? v >> count : v << count;
    }
  } else {
    for (let k = 0; k < 4; k += 2) {
      const lo = A32[k], hi = A32[k + 1];
      if (count > 63) { R32[k] = 0; R32[k + 1] = 0; } else if (count === 0) { R32[k] = lo; R32[k + 1] = hi; } else if (kind === 0) {
        if (count >= 32) { R32[k] = hi >>> (count - 32); R32[k + 1] = 0; } else { R32[k] = (lo >>> count) | (hi << (32 - count)); R32[k + 1] = hi >>> count; }
      } else if (count >= 32) { R32[k + 1] = lo << (count - 32); R32[k] = 0; } else { R32[k + 1] = (hi << count) | (lo >>> (32 - count)); R32[k] = lo << count; }
    }
  }
}
/** 66 0F D1-D3 PSRL, E1-E2 PSRA, F1-F3 PSLL by the low 64 bits of xmm/m128. */
export function pshiftX(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const op = c.opcode & 0xff;
  const kind = op < 0xe0 ? 0 : op < 0xf0 ? 1 : 2;
  const width = (op & 3) === 1 ? 16 : (op & 3) === 2 ? 32 : 64;
  const count = B32[1] !== 0 || B32[0] < 0 ? 255 : Math.min(B32[0], 255);
  shift(width, kind, count);
  storeR(c);
}
/** 66 0F 71/72/73 groups: shift xmm E by imm8 (73 /3 PSRLDQ, /7 PSLLDQ shift bytes). */
export function pshiftI(c: Cpu): void {
  sseCheck(c); requireReg(c);
  const x = c.xmm, e = c.regE << 2, n = (c.modrm >> 3) & 7, op = c.opcode & 0xff, count = c.immLo & 0xff;
  A32[0] = x[e]; A32[1] = x[e + 1]; A32[2] = x[e + 2]; A32[3] = x[e + 3];
  if (op === 0x73 && (n === 3 || n === 7)) {
    for (let k = 0; k < 16; k++) {
      const s = n === 3 ? k + count : k - count;
      R.u8[k] = s >= 0 && s < 16 ? A.u8[s] : 0;
    }
  } else {
    const kind = n === 2 ? 0 : n === 4 ? 1 : n === 6 ? 2 : -1;
    if (kind < 0 || (kind === 1 && op === 0x73)) raiseUD(c);
    shift(op === 0x71 ? 16 : op === 0x72 ? 32 : 64, kind, count);
  }
  x[e] = R32[0]; x[e + 1] = R32[1]; x[e + 2] = R32[2]; x[e + 3] = R32[3];
}
