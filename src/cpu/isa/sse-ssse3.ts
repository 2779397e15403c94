// SSSE3 on XMM (66 0F 38 00-0B, 1C-1E; 66 0F 3A 0F): PSHUFB, PHADD/PHSUB W D SW, PMADDUBSW,
// PSIGN B W D, PMULHRSW, PABS B W D, PALIGNR (Intel SDM Vol.2).
import type { Cpu } from '../cpu';
import { A, B, R, A32, B32, R32, loadA, loadB, sseCheck, storeR } from './sse-common';

const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

export function ssse3(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const a16 = A.i16, b16 = B.i16, r16 = R.i16;
  let k: number;
  switch (c.opcode & 0xff) {
    case 0x00: for (k = 0; k < 16; k++) { const s = B.u8[k]; R.u8[k] = s & 0x80 ? 0 : A.u8[s & 15]; } break; // PSHUFB
    case 0x01: for (k = 0; k < 4; k++) { r16[k] = a16[2 * k] + a16[2 * k + 1]; r16[k + 4] = b16[2 * k] + b16[2 * k + 1]; } break; // PHADDW
    case 0x02: for (k = 0; k < 2; k++) { R32[k] = (A32[2 * k] + A32[2 * k + 1]) | 0; R32[k + 2] = (B32[2 * k] + B32[2 * k + 1]) | 0; } break; // PHADDD
    case 0x03: for (k = 0; k < 4; k++) { r16[k] = sat16(a16[2 * k] + a16[2 * k + 1]); r16[k + 4] = sat16(b16[2 * k] + b16[2 * k + 1]); } break; // PHADDSW
    case 0x04: for (k = 0; k < 8; k++) r16[k] = sat16(A.u8[2 * k] * B.i8[2 * k] + A.u8[2 * k + 1] * B.i8[2 * k + 1]); break; // PMADDUBSW
    case 0x05: for (k = 0; k < 4; k++) { r16[k] = a16[2 * k] - a16[2 * k + 1]; r16[k + 4] = b16[2 * k] - b16[2 * k + 1]; } break; // PHSUBW
    case 0x06: for (k = 0; k < 2; k++) { R32[k] = (A32[2 * k] - A32[2 * k + 1]) | 0; R32[k + 2] = (B32[2 * k] - B32[2 * k + 1]) | 0; } break; // PHSUBD
    case 0x07: for (k = 0; k < 4; k++) { r16[k] = sat16(a16[2 * k] - a16[2 * k + 1]); r16[k + 4] = sat16(b16[2 * k] - b16[2 * k + 1]); } break; // PHSUBSW
    case 0x08: for (k = 0; k < 16; k++) { const s = B.i8[k]; R.i8[k] = s < 0 ? -A.i8[k] : s === 0 ? 0 : A.i8[k]; } break; // PSIGNB
    case 0x09: for (k = 0; k < 8; k++) { const s = b16[k]; r16[k] = s < 0 ? -a16[k] : s === 0 ? 0 : a16[k]; } break; // PSIGNW
    case 0x0a: for (k = 0; k < 4; k++) { const s = B32[k]; R32[k] = s < 0 ? -A32[k] | 0 : s === 0 ? 0 : A32[k]; } break; // PSIGND
    case 0x0b: for (k = 0; k < 8; k++) r16[k] = (((a16[k] * b16[k]) >> 14) + 1) >> 1; break; // PMULHRSW
    case 0x1c: for (k = 0; k < 16; k++) R.u8[k] = Math.abs(B.i8[k]); break; // PABSB
    case 0x1d: for (k = 0; k < 8; k++) R.u16[k] = Math.abs(b16[k]); break; // PABSW
    case 0x1e: for (k = 0; k < 4; k++) R32[k] = Math.abs(B32[k]); break; // PABSD
    default: throw new Error('ssse3: unexpected opcode');
  }
  storeR(c);
}

/** 66 0F 3A 0F PALIGNR xmm, xmm/m128, imm8: bytes imm8.. of the 32-byte G:E concatenation. */
export function palignr(c: Cpu): void {
  sseCheck(c); loadA(c); loadB(c, true);
  const n = c.immLo & 0xff;
  for (let k = 0; k < 16; k++) {
    const s = k + n;
    R.u8[k] = s < 16 ? B.u8[s] : s < 32 ? A.u8[s - 16] : 0;
  }
  storeR(c);
}
