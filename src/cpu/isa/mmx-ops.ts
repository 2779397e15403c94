// MMX instructions and SSE's MMX extensions (Intel SDM Vol.2; APM Vol.5 64-bit media).
// MMn aliases the significand of x87 physical register n; every MMX instruction sets
// TOP = 0 and all tags valid, and a write sets the register's sign/exponent to all ones.
import type { Cpu } from '../cpu';
import { raiseMF, raiseNM, raiseUD } from '../exceptions';
import { read16, read32, read64, write8, write32, write64 } from '../mmu';
import { readReg, writeReg, readE } from '../operands';
import { CR0_EM, CR0_NE, CR0_TS, RDI } from '../regs';

const AB = new ArrayBuffer(24);
const A32 = new Int32Array(AB, 0, 2), B32 = new Int32Array(AB, 8, 2), R32 = new Int32Array(AB, 16, 2);
const A8 = new Int8Array(AB, 0, 8), B8 = new Int8Array(AB, 8, 8), R8 = new Int8Array(AB, 16, 8);
const AU8 = new Uint8Array(AB, 0, 8), BU8 = new Uint8Array(AB, 8, 8), RU8 = new Uint8Array(AB, 16, 8);
const A16 = new Int16Array(AB, 0, 4), B16 = new Int16Array(AB, 8, 4), R16 = new Int16Array(AB, 16, 4);
const AU16 = new Uint16Array(AB, 0, 4), BU16 = new Uint16Array(AB, 8, 4), RU16 = new Uint16Array(AB, 16, 4);

function enter(c: Cpu): void {
  if ((c.cr0 & CR0_EM) !== 0) raiseUD(c);
  if ((c.cr0 & CR0_TS) !== 0) raiseNM(c);
  if ((c.fpu.fsw & 0x80) !== 0 && (c.cr0 & CR0_NE) !== 0) raiseMF(c);
}
function touch(c: Cpu): void {
  const f = c.fpu;
  f.fsw &= ~0x3800;
  f.tags = 0xff;
}
function setMM(c: Cpu, r: number, lo: number, hi: number): void {
  const f = c.fpu;
  f.mant[2 * r] = lo; f.mant[2 * r + 1] = hi; f.sexp[r] = 0xffff;
}
/** Load A = MM(reg), B = source (MM(rm) or m64; m32 zero-extended if `half`). */
function loadAB(c: Cpu, half: boolean): void {
  const m = c.fpu.mant, g = c.regG & 7;
  A32[0] = m[2 * g]; A32[1] = m[2 * g + 1];
  if (c.mod === 3) { const e = c.regE & 7; B32[0] = m[2 * e]; B32[1] = m[2 * e + 1]; }
  else if (half) { B32[0] = read32(c, c.eaSeg, c.eaLo, c.eaHi); B32[1] = 0; }
  else { B32[0] = read64(c, c.eaSeg, c.eaLo, c.eaHi); B32[1] = c.tHi; }
}
function storeR(c: Cpu): void { setMM(c, c.regG & 7, R32[0], R32[1]); }

const sat8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

/** Shift lanes of A by count (size 2, 4, 8 bytes); kind 0 logical right, 1 arithmetic right, 2 left. */
function shift(size: number, kind: number, cntLo: number, cntHi: number): void {
  const big = cntHi !== 0 || (cntLo >>> 0) >= size * 8;
  const n = cntLo & 63;
  if (size === 8) {
    if (big) { R32[0] = 0; R32[1] = 0; return; }
    const lo = A32[0], hi = A32[1];
    if (n === 0) { R32[0] = lo; R32[1] = hi; }
    else if (kind === 2) {
      if (n >= 32) { R32[1] = lo << (n - 32); R32[0] = 0; } else { R32[1] = (hi << n) | (lo >>> (32 - n)); R32[0] = lo << n; }
    } else if (n >= 32) { R32[0] = hi >>> (n - 32); R32[1] = 0; } else { R32[0] = (lo >>> n) | (hi << (32 - n)); R32[1] = hi >>> n; }
    return;
  }
  if (size === 4) {
    for (let i = 0; i < 2; i++) {
      const v = A32[i];
      R32[i] = kind === 1 ? v >> (big ? 31 : n) : big ? 0 : kind === 0 ? v >>> n : v << n;
    }
    return;
  }
  for (let i = 0; i < 4; i++) {
    R16[i] = kind === 1 ? A16[i] >> (big ? 15 : n) : big ? 0 : kind === 0 ? AU16[i] >>> n : AU16[i] << n;
  }
}

/** Executes c.opcode as an MMX instruction; false if it has no MMX form. */
export function mmxExec(c: Cpu): boolean {
  const op = c.opcode & 0xff;
  if ((c.opcode & 0xf00) === 0x100 && ((op >= 0x60 && op <= 0x7f) || op >= 0xc4)) {
    enter(c);
    if (!mmx0F(c, op)) return false;
    return true;
  }
  return false;
}

function mmx0F(c: Cpu, op: number): boolean {
  const m = c.fpu.mant;
  switch (op) {
    case 0x6e: { // MOVD/MOVQ mm, r/m32/64
      const lo = readE(c, c.opSize === 8 ? 8 : 4);
      touch(c); setMM(c, c.regG & 7, lo, c.opSize === 8 ? c.tHi : 0); return true;
    }
    case 0x7e: { // MOVD/MOVQ r/m32/64, mm
      const g = c.regG & 7;
      touch(c);
      if (c.mod === 3) writeReg(c, c.opSize === 8 ? 8 : 4, c.regE, m[2 * g], m[2 * g + 1]);
      else if (c.opSize === 8) write64(c, c.eaSeg, c.eaLo, c.eaHi, m[2 * g], m[2 * g + 1]);
      else write32(c, c.eaSeg, c.eaLo, c.eaHi, m[2 * g]);
      return true;
    }
    case 0x6f: loadAB(c, false); touch(c); setMM(c, c.regG & 7, B32[0], B32[1]); return true;
    case 0x7f: case 0xe7: { // MOVQ mm/m64, mm; MOVNTQ m64, mm
      const g = c.regG & 7;
      if (op === 0xe7 && c.mod === 3) raiseUD(c);
      touch(c);
      if (c.mod === 3) setMM(c, c.regE & 7, m[2 * g], m[2 * g + 1]);
      else write64(c, c.eaSeg, c.eaLo, c.eaHi, m[2 * g], m[2 * g + 1]);
      return true;
    }
    case 0x71: case 0x72: case 0x73: {
      if (c.mod !== 3) raiseUD(c);
      const reg = (c.modrm >> 3) & 7, e = c.regE & 7;
      const size = op === 0x71 ? 2 : op === 0x72 ? 4 : 8;
      const kind = reg === 2 ? 0 : reg === 4 ? 1 : reg === 6 ? 2 : -1;
      if (kind < 0 || (size === 8 && kind === 1)) raiseUD(c);
      A32[0] = m[2 * e]; A32[1] = m[2 * e + 1];
      shift(size, kind, c.immLo & 0xff, 0);
      touch(c); setMM(c, e, R32[0], R32[1]);
      return true;
    }
    case 0x77: return false;
    case 0x70: { // PSHUFW
      loadAB(c, false);
      const imm = c.immLo;
      for (let i = 0; i < 4; i++) R16[i] = B16[(imm >> (2 * i)) & 3];
      touch(c); storeR(c); return true;
    }
    case 0xc4: { // PINSRW mm, r32/m16, imm8
      const g = c.regG & 7;
      const v = c.mod === 3 ? readReg(c, 4, c.regE) : read16(c, c.eaSeg, c.eaLo, c.eaHi);
      R32[0] = m[2 * g]; R32[1] = m[2 * g + 1];
      R16[c.immLo & 3] = v;
      touch(c); storeR(c); return true;
    }
    case 0xc5: { // PEXTRW r32, mm, imm8
      if (c.mod !== 3) raiseUD(c);
      const e = c.regE & 7;
      A32[0] = m[2 * e]; A32[1] = m[2 * e + 1];
      touch(c); writeReg(c, 4, c.regG, AU16[c.immLo & 3], 0); return true;
    }
    case 0xd7: { // PMOVMSKB r32, mm
      if (c.mod !== 3) raiseUD(c);
      const e = c.regE & 7;
      A32[0] = m[2 * e]; A32[1] = m[2 * e + 1];
      let r = 0;
      for (let i = 0; i < 8; i++) r |= ((AU8[i] >> 7) & 1) << i;
      touch(c); writeReg(c, 4, c.regG, r, 0); return true;
    }
    case 0xf7: { // MASKMOVQ mm1, mm2: store bytes of mm1 selected by mm2 at DS:rDI
      if (c.mod !== 3) raiseUD(c);
      loadAB(c, false);
      touch(c);
      const seg = c.segOverride >= 0 ? c.segOverride : 3;
      let lo = c.gpr[RDI << 1], hi = c.adSize === 8 ? c.gpr[(RDI << 1) | 1] : 0;
      if (c.adSize === 2) lo &= 0xffff;
      for (let i = 0; i < 8; i++) {
        if (B8[i] < 0) {
          const s = (lo >>> 0) + i;
          write8(c, seg, c.adSize === 4 ? s | 0 : c.adSize === 2 ? s & 0xffff : s | 0, c.adSize === 8 && s > 0xffffffff ? hi + 1 : hi, AU8[i]);
        }
      }
      void lo; void hi;
      return true;
    }
  }
  const half = op >= 0x60 && op <= 0x62;
  loadAB(c, half);
  if (!packed(op)) return false;
  touch(c); storeR(c);
  return true;
}

function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** Two-operand packed operations: R = A op B. */
function packed(op: number): boolean {
  let i: number;
  switch (op) {
    case 0x60: for (i = 0; i < 4; i++) { R8[2 * i] = A8[i]; R8[2 * i + 1] = B8[i]; } return true;
    case 0x61: R16[0] = A16[0]; R16[1] = B16[0]; R16[2] = A16[1]; R16[3] = B16[1]; return true;
    case 0x62: R32[1] = B32[0]; R32[0] = A32[0]; return true;
    case 0x68: for (i = 0; i < 4; i++) { R8[2 * i] = A8[4 + i]; R8[2 * i + 1] = B8[4 + i]; } return true;
    case 0x69: { const a2 = A16[2], a3 = A16[3], b2 = B16[2], b3 = B16[3]; R16[0] = a2; R16[1] = b2; R16[2] = a3; R16[3] = b3; return true; }
    case 0x6a: R32[0] = A32[1]; R32[1] = B32[1]; return true;
    case 0x63: for (i = 0; i < 4; i++) { R8[i] = sat8(A16[i]); R8[4 + i] = sat8(B16[i]); } return true;
    case 0x67: for (i = 0; i < 4; i++) { RU8[i] = satU8(A16[i]); RU8[4 + i] = satU8(B16[i]); } return true;
    case 0x6b: for (i = 0; i < 2; i++) { R16[i] = sat16(A32[i]); R16[2 + i] = sat16(B32[i]); } return true;
    case 0x64: for (i = 0; i < 8; i++) R8[i] = A8[i] > B8[i] ? -1 : 0; return true;
    case 0x65: for (i = 0; i < 4; i++) R16[i] = A16[i] > B16[i] ? -1 : 0; return true;
    case 0x66: for (i = 0; i < 2; i++) R32[i] = A32[i] > B32[i] ? -1 : 0; return true;
    case 0x74: for (i = 0; i < 8; i++) R8[i] = A8[i] === B8[i] ? -1 : 0; return true;
    case 0x75: for (i = 0; i < 4; i++) R16[i] = A16[i] === B16[i] ? -1 : 0; return true;
    case 0x76: for (i = 0; i < 2; i++) R32[i] = A32[i] === B32[i] ? -1 : 0; return true;
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
      const size = (op & 0xf) === 1 ? 2 : (op & 0xf) === 2 ? 4 : 8;
      shift(size, op < 0xe0 ? 0 : op < 0xf0 ? 1 : 2, B32[0], B32[1]);
      return true;
    }
    case 0xd4: case 0xfb: {
      const bl = op === 0xd4 ? B32[0] : -B32[0] | 0, bh = op === 0xd4 ? B32[1] : (~B32[1] + (B32[0] === 0 ? 1 : 0)) | 0;
      const s = (A32[0] >>> 0) + (bl >>> 0);
      R32[0] = s | 0; R32[1] = (A32[1] + bh + (s > 0xffffffff ? 1 : 0)) | 0; return true;
    }
    case 0xd5: for (i = 0; i < 4; i++) R16[i] = Math.imul(A16[i], B16[i]); return true;
    case 0xe5: for (i = 0; i < 4; i++) R16[i] = Math.imul(A16[i], B16[i]) >> 16; return true;
    case 0xe4: for (i = 0; i < 4; i++) R16[i] = (AU16[i] * BU16[i]) >>> 16; return true;
    case 0xf4: R32[0] = Math.imul(A32[0], B32[0]); R32[1] = mulhu(A32[0], B32[0]); return true;
    case 0xf5: for (i = 0; i < 2; i++) R32[i] = (Math.imul(A16[2 * i], B16[2 * i]) + Math.imul(A16[2 * i + 1], B16[2 * i + 1])) | 0; return true;
    case 0xf6: { let s = 0; for (i = 0; i < 8; i++) s += Math.abs(AU8[i] - BU8[i]); R32[0] = s; R32[1] = 0; return true; }
    case 0xd8: for (i = 0; i < 8; i++) RU8[i] = satU8(AU8[i] - BU8[i]); return true;
    case 0xd9: for (i = 0; i < 4; i++) RU16[i] = satU16(AU16[i] - BU16[i]); return true;
    case 0xdc: for (i = 0; i < 8; i++) RU8[i] = satU8(AU8[i] + BU8[i]); return true;
    case 0xdd: for (i = 0; i < 4; i++) RU16[i] = satU16(AU16[i] + BU16[i]); return true;
    case 0xe8: for (i = 0; i < 8; i++) R8[i] = sat8(A8[i] - B8[i]); return true;
    case 0xe9: for (i = 0; i < 4; i++) R16[i] = sat16(A16[i] - B16[i]); return true;
    case 0xec: for (i = 0; i < 8; i++) R8[i] = sat8(A8[i] + B8[i]); return true;
    case 0xed: for (i = 0; i < 4; i++) R16[i] = sat16(A16[i] + B16[i]); return true;
    case 0xda: for (i = 0; i < 8; i++) RU8[i] = Math.min(AU8[i], BU8[i]); return true;
    case 0xde: for (i = 0; i < 8; i++) RU8[i] = Math.max(AU8[i], BU8[i]); return true;
    case 0xea: for (i = 0; i < 4; i++) R16[i] = Math.min(A16[i], B16[i]); return true;
    case 0xee: for (i = 0; i < 4; i++) R16[i] = Math.max(A16[i], B16[i]); return true;
    case 0xe0: for (i = 0; i < 8; i++) RU8[i] = (AU8[i] + BU8[i] + 1) >> 1; return true;
    case 0xe3: for (i = 0; i < 4; i++) RU16[i] = (AU16[i] + BU16[i] + 1) >> 1; return true;
    case 0xdb: R32[0] = A32[0] & B32[0]; R32[1] = A32[1] & B32[1]; return true;
    case 0xdf: R32[0] = ~A32[0] & B32[0]; R32[1] = ~A32[1] & B32[1]; return true;
    case 0xeb: R32[0] = A32[0] | B32[0]; R32[1] = A32[1] | B32[1]; return true;
    case 0xef: R32[0] = A32[0] ^ B32[0]; R32[1] = A32[1] ^ B32[1]; return true;
    case 0xf8: for (i = 0; i < 8; i++) R8[i] = A8[i] - B8[i]; return true;
    case 0xf9: for (i = 0; i < 4; i++) R16[i] = A16[i] - B16[i]; return true;
    case 0xfa: for (i = 0; i < 2; i++) R32[i] = (A32[i] - B32[i]) | 0; return true;
    case 0xfc: for (i = 0; i < 8; i++) R8[i] = A8[i] + B8[i]; return true;
    case 0xfd: for (i = 0; i < 4; i++) R16[i] = A16[i] + B16[i]; return true;
    case 0xfe: for (i = 0; i < 2; i++) R32[i] = (A32[i] + B32[i]) | 0; return true;
  }
  return false;
}
