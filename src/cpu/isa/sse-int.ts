// SSE2 integer SIMD on XMM (66 0F xx, APM Vol.4): PADD/PSUB B W D Q with and without
// saturation, PMULLW PMULHW PMULHUW PMULUDQ PMADDWD, PAVGB/W, PMIN/PMAX UB SW, PSADBW,
// PCMPEQ/PCMPGT B W D. One handler switches on the opcode: xmm G <- op(G, E).
import type { Cpu } from '../cpu';
import { A, B, R, R32, A32, B32, loadA, loadB, sseCheck, storeR } from './sse-common';

const sat8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const usat8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const usat16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** Unsigned 32x32 -> 64 multiply; low half returned, high half in mulHi. */
export let mulHi = 0;
export function mulU32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const t = a0 * b0 + (mid % 65536) * 65536;
  const carry = Math.floor(t / 4294967296);
  mulHi = (a1 * b1 + Math.floor(mid / 65536) + carry) | 0;
  return t | 0;
}

/** 64-bit add/sub on lane pairs k, k+1 of A and B into R. */
function add64(k: number, sub: boolean): void {
  const al = A32[k] >>> 0, bl = B32[k] >>> 0;
  if (!sub) {
    const s = al + bl;
    R32[k] = s | 0; R32[k + 1] = (A32[k + 1] + B32[k + 1] + (s > 0xffffffff ? 1 : 0)) | 0;
  } else {
    R32[k] = (al - bl) | 0; R32[k + 1] = (A32[k + 1] - B32[k + 1] - (al < bl ? 1 : 0)) | 0;
  }
}

/** 66 0F xx integer binary ops (register or aligned m128 source). */
export function pint(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const a8 = A.u8, b8 = B.u8, r8 = R.u8, s8a = A.i8, s8b = B.i8;
  const a16 = A.u16, b16 = B.u16, r16 = R.u16, s16a = A.i16, s16b = B.i16;
  let k: number;
  switch (c.opcode & 0xff) {
    case 0xfc: for (k = 0; k < 16; k++) r8[k] = a8[k] + b8[k]; break; // PADDB
    case 0xfd: for (k = 0; k < 8; k++) r16[k] = a16[k] + b16[k]; break; // PADDW
    case 0xfe: for (k = 0; k < 4; k++) R32[k] = (A32[k] + B32[k]) | 0; break; // PADDD
    case 0xd4: add64(0, false); add64(2, false); break; // PADDQ
    case 0xf8: for (k = 0; k < 16; k++) r8[k] = a8[k] - b8[k]; break; // PSUBB
    case 0xf9: for (k = 0; k < 8; k++) r16[k] = a16[k] - b16[k]; break; // PSUBW
    case 0xfa: for (k = 0; k < 4; k++) R32[k] = (A32[k] - B32[k]) | 0; break; // PSUBD
    case 0xfb: add64(0, true); add64(2, true); break; // PSUBQ
    case 0xec: for (k = 0; k < 16; k++) R.i8[k] = sat8(s8a[k] + s8b[k]); break; // PADDSB
    case 0xed: for (k = 0; k < 8; k++) R.i16[k] = sat16(s16a[k] + s16b[k]); break; // PADDSW
    case 0xdc: for (k = 0; k < 16; k++) r8[k] = usat8(a8[k] + b8[k]); break; // PADDUSB
    case 0xdd: for (k = 0; k < 8; k++) r16[k] = usat16(a16[k] + b16[k]); break; // PADDUSW
    case 0xe8: for (k = 0; k < 16; k++) R.i8[k] = sat8(s8a[k] - s8b[k]); break; // PSUBSB
    case 0xe9: for (k = 0; k < 8; k++) R.i16[k] = sat16(s16a[k] - s16b[k]); break; // PSUBSW
    case 0xd8: for (k = 0; k < 16; k++) r8[k] = usat8(a8[k] - b8[k]); break; // PSUBUSB
    case 0xd9: for (k = 0; k < 8; k++) r16[k] = usat16(a16[k] - b16[k]); break; // PSUBUSW
    case 0xd5: for (k = 0; k < 8; k++) r16[k] = Math.imul(s16a[k], s16b[k]); break; // PMULLW
    case 0xe5: for (k = 0; k < 8; k++) r16[k] = (s16a[k] * s16b[k]) >> 16; break; // PMULHW
    case 0xe4: for (k = 0; k < 8; k++) r16[k] = (a16[k] * b16[k]) / 65536; break; // PMULHUW
    case 0xf4: for (k = 0; k < 4; k += 2) { R32[k] = mulU32(A32[k], B32[k]); R32[k + 1] = mulHi; } break; // PMULUDQ
    case 0xf5: for (k = 0; k < 4; k++) R32[k] = (s16a[2 * k] * s16b[2 * k] + s16a[2 * k + 1] * s16b[2 * k + 1]) | 0; break; // PMADDWD
    case 0xe0: for (k = 0; k < 16; k++) r8[k] = (a8[k] + b8[k] + 1) >> 1; break; // PAVGB
    case 0xe3: for (k = 0; k < 8; k++) r16[k] = (a16[k] + b16[k] + 1) >> 1; break; // PAVGW
    case 0xda: for (k = 0; k < 16; k++) r8[k] = a8[k] < b8[k] ? a8[k] : b8[k]; break; // PMINUB
    case 0xde: for (k = 0; k < 16; k++) r8[k] = a8[k] > b8[k] ? a8[k] : b8[k]; break; // PMAXUB
    case 0xea: for (k = 0; k < 8; k++) R.i16[k] = s16a[k] < s16b[k] ? s16a[k] : s16b[k]; break; // PMINSW
    case 0xee: for (k = 0; k < 8; k++) R.i16[k] = s16a[k] > s16b[k] ? s16a[k] : s16b[k]; break; // PMAXSW
    case 0xf6: // PSADBW
      for (let h = 0; h < 2; h++) {
        let s = 0;
        for (k = 8 * h; k < 8 * h + 8; k++) s += Math.abs(a8[k] - b8[k]);
        R32[2 * h] = s; R32[2 * h + 1] = 0;
      }
      break;
    case 0x74: for (k = 0; k < 16; k++) r8[k] = a8[k] === b8[k] ? 0xff : 0; break; // PCMPEQB
    case 0x75: for (k = 0; k < 8; k++) r16[k] = a16[k] === b16[k] ? 0xffff : 0; break; // PCMPEQW
    case 0x76: for (k = 0; k < 4; k++) R32[k] = A32[k] === B32[k] ? -1 : 0; break; // PCMPEQD
    case 0x64: for (k = 0; k < 16; k++) r8[k] = s8a[k] > s8b[k] ? 0xff : 0; break; // PCMPGTB
    case 0x65: for (k = 0; k < 8; k++) r16[k] = s16a[k] > s16b[k] ? 0xffff : 0; break; // PCMPGTW
    case 0x66: for (k = 0; k < 4; k++) R32[k] = A32[k] > B32[k] ? -1 : 0; break; // PCMPGTD
    default: throw new Error('pint: unexpected opcode');
  }
  storeR(c);
}
