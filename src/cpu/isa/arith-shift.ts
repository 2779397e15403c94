// Group 2 shifts and rotates (C0, C1, D0-D3): ROL ROR RCL RCR SHL/SAL SHR SAR, every
// size, APM Vol.3 "ROL".."SAR". Values are int32 pairs; operands of 1, 2 or 4 bytes
// live in the low half. Flags are computed eagerly.
import type { Cpu } from '../cpu';
import { lazyAF, readFlags, setArithFlags, szpBits } from '../flags';
import { readE, writeE } from '../operands';
import { AF, CF, OF } from '../regs';
import { def, IMM_B } from './table';

/** High half of the last pair helper result. */
let oHi = 0;

export function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { oHi = hi; return lo; }
  if (n >= 32) { oHi = n === 32 ? lo : lo << (n - 32); return 0; }
  oHi = (hi << n) | (lo >>> (32 - n));
  return lo << n;
}
export function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { oHi = hi; return lo; }
  if (n >= 32) { oHi = 0; return n === 32 ? hi : hi >>> (n - 32); }
  oHi = hi >>> n;
  return (lo >>> n) | (hi << (32 - n));
}
export function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { oHi = hi; return lo; }
  if (n >= 32) { oHi = hi >> 31; return hi >> (n - 32 > 31 ? 31 : n - 32); }
  oHi = hi >> n;
  return (lo >>> n) | (hi << (32 - n));
}
export function shiftHi(): number { return oHi; }

/** Bit i (0..63) of a pair. */
export function bit64(lo: number, hi: number, i: number): number {
  return i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1;
}
/** Operand mask of the low half by size. */
function lmask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}

const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

/**
 * Shift/rotate E by `count` (unmasked) for operation `op` (ModRM.reg). Count masked to
 * 5 bits (6 for 64-bit); a masked count of 0 changes nothing (APM Vol.3 "SHL").
 */
export function shiftE(c: Cpu, size: number, op: number, count: number): void {
  let vLo = readE(c, size);
  let vHi = size === 8 ? c.tHi : 0;
  const bits = size << 3;
  const n = count & (size === 8 ? 63 : 31);
  if (n === 0) {
    // Flags and value unchanged, but a 32-bit register is still zero-extended (observed on hardware).
    if (size === 4 && c.mod === 3) writeE(c, 4, vLo, 0);
    return;
  }
  const m = lmask(size);
  vLo &= m;
  // Rotates keep every flag but CF/OF; shifts only keep AF, so they skip materializing the rest.
  const f = op < 4 ? readFlags(c) : lazyAF(c) ? AF : 0;
  const msb = bits - 1;
  let rLo: number, rHi: number, cf: number, of: number;
  let flags: number;
  switch (op) {
    case 0: case 1: { // ROL, ROR: only CF and OF change
      const k = op === 0 ? n & msb : (bits - (n & msb)) & msb; // left-rotate amount
      if (k === 0) { rLo = vLo; rHi = vHi; } else {
        const aLo = shl64(vLo, vHi, k), aHi = oHi;
        const bLo = shr64(vLo, vHi, bits - k), bHi = oHi;
        rLo = (aLo | bLo) & m; rHi = size === 8 ? aHi | bHi : 0;
      }
      const top = bit64(rLo, rHi, msb);
      if (op === 0) { cf = rLo & 1; of = top ^ cf; } else { cf = top; of = top ^ bit64(rLo, rHi, msb - 1); }
      flags = (f & ~(CF | OF)) | cf | (of ? OF : 0);
      break;
    }
    case 2: case 3: { // RCL, RCR through CF: (bits+1)-bit rotation
      const t = bits === 8 ? n % 9 : bits === 16 ? n % 17 : n;
      cf = f & CF;
      rLo = vLo; rHi = vHi;
      if (op === 2) {
        for (let i = 0; i < t; i++) {
          const out = bit64(rLo, rHi, msb);
          rLo = shl64(rLo, rHi, 1) | cf; rHi = oHi;
          cf = out;
        }
        rLo &= m; if (size !== 8) rHi = 0;
        of = bit64(rLo, rHi, msb) ^ cf;
      } else {
        of = bit64(vLo, vHi, msb) ^ cf;
        for (let i = 0; i < t; i++) {
          const out = rLo & 1;
          rLo = shr64(rLo, rHi, 1); rHi = oHi;
          if (cf) { if (size === 8) rHi |= 0x80000000; else rLo |= 1 << msb; }
          cf = out;
        }
        // Intel/AMD: OF from the result's top two bits for counts > 1.
        if (t !== 1) of = bit64(rLo, rHi, msb) ^ bit64(rLo, rHi, msb - 1);
      }
      flags = (f & ~(CF | OF)) | cf | (of ? OF : 0);
      break;
    }
    case 4: case 6: { // SHL/SAL
      rLo = shl64(vLo, vHi, n); rHi = oHi;
      cf = n <= bits ? bit64(vLo, vHi, bits - n) : 0;
      rLo &= m; if (size !== 8) rHi = 0;
      of = bit64(rLo, rHi, msb) ^ cf;
      flags = szpBits(size, rLo, rHi) | cf | (of ? OF : 0) | (f & AF);
      break;
    }
    case 5: { // SHR
      rLo = shr64(vLo, vHi, n); rHi = oHi;
      cf = n <= bits ? bit64(vLo, vHi, n - 1) : 0;
      of = n === 1 ? bit64(vLo, vHi, msb) : 0;
      flags = szpBits(size, rLo, rHi) | cf | (of ? OF : 0) | (f & AF);
      break;
    }
    default: { // SAR: shift the sign-extended value
      let sLo = vLo, sHi = vHi;
      if (size === 1) { sLo = (vLo << 24) >> 24; sHi = sLo >> 31; } else if (size === 2) { sLo = (vLo << 16) >> 16; sHi = sLo >> 31; } else if (size === 4) sHi = vLo >> 31;
      rLo = sar64(sLo, sHi, n); rHi = oHi;
      cf = bit64(sLo, sHi, n - 1 > 63 ? 63 : n - 1);
      rLo &= m; if (size !== 8) rHi = 0;
      flags = szpBits(size, rLo, rHi) | cf | (f & AF);
      break;
    }
  }
  writeE(c, size, rLo, rHi);
  setArithFlags(c, flags);
}

export function registerShifts(): void {
  // The /reg operation is read per instruction; names list the group.
  const nm = SHIFT_NAMES.join('/');
  def(0xc0, `grp2EbIb(${nm})`, { modrm: true, imm: IMM_B }, (c) => shiftE(c, 1, (c.modrm >> 3) & 7, c.immLo));
  def(0xc1, `grp2EvIb(${nm})`, { modrm: true, imm: IMM_B }, (c) => shiftE(c, c.opSize, (c.modrm >> 3) & 7, c.immLo));
  def(0xd0, `grp2Eb1(${nm})`, { modrm: true }, (c) => shiftE(c, 1, (c.modrm >> 3) & 7, 1));
  def(0xd1, `grp2Ev1(${nm})`, { modrm: true }, (c) => shiftE(c, c.opSize, (c.modrm >> 3) & 7, 1));
  def(0xd2, `grp2EbCL(${nm})`, { modrm: true }, (c) => shiftE(c, 1, (c.modrm >> 3) & 7, c.gpr[2]));
  def(0xd3, `grp2EvCL(${nm})`, { modrm: true }, (c) => shiftE(c, c.opSize, (c.modrm >> 3) & 7, c.gpr[2]));
}
