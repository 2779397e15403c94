// Bit instructions: BT/BTS/BTR/BTC (0F A3 AB B3 BB, 0F BA /4-/7), BSF/BSR (0F BC/BD),
// LZCNT (F3 0F BD), POPCNT (F3 0F B8), SHLD/SHRD (0F A4 A5 AC AD). APM Vol.3.
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';
import { readFlags, setArithFlags, szpBits } from '../flags';
import { readE, readG, writeE, writeG } from '../operands';
import { AF, CF, OF, ZF } from '../regs';
import { def, IMM_B, OP_0F } from './table';
import { bit64, sar64, shiftHi, shl64, shr64 } from './arith-shift';

/** BTx with bit offset `off` (already reduced for register / immediate forms); op 0 BT, 1 BTS, 2 BTR, 3 BTC. */
function btOp(c: Cpu, size: number, op: number, off: number): void {
  let lo = readE(c, size), hi = size === 8 ? c.tHi : 0;
  const cf = bit64(lo, hi, off);
  if (op !== 0) {
    const set = op === 1 ? 1 : op === 2 ? 0 : cf ^ 1;
    if (off < 32) lo = set ? lo | (1 << off) : lo & ~(1 << off);
    else hi = set ? hi | (1 << (off - 32)) : hi & ~(1 << (off - 32));
    writeE(c, size, lo, hi);
  }
  // CF = the bit; OF SF AF PF undefined (kept), ZF unchanged.
  setArithFlags(c, (readFlags(c) & ~CF) | cf);
}

/** 0F A3/AB/B3/BB: bit offset from G; a memory operand is addressed by the signed offset (APM Vol.3 "BT"). */
function btEG(c: Cpu, op: number): void {
  const size = c.opSize;
  const bits = size << 3;
  let oLo = readG(c, size), oHi = c.tHi;
  if (c.mod !== 3) {
    // Sign-extend the offset, then move the address by (offset >> log2(bits)) * size bytes.
    if (size === 2) { oLo = (oLo << 16) >> 16; oHi = oLo >> 31; } else if (size === 4) oHi = oLo >> 31;
    const sh = size === 2 ? 4 : size === 4 ? 5 : 6;
    let dLo = sar64(oLo, oHi, sh); let dHi = shiftHi();
    dLo = shl64(dLo, dHi, size === 2 ? 1 : size === 4 ? 2 : 3); dHi = shiftHi();
    const s = (c.eaLo >>> 0) + (dLo >>> 0);
    let eHi = (c.eaHi + dHi + (s > 0xffffffff ? 1 : 0)) | 0;
    let eLo = s | 0;
    if (c.adSize === 4) eHi = 0; else if (c.adSize === 2) { eLo &= 0xffff; eHi = 0; }
    c.eaLo = eLo; c.eaHi = eHi;
  }
  btOp(c, size, op, oLo & (bits - 1));
}

/** BSF/BSR/LZCNT/POPCNT: result into G. */
function bsf(c: Cpu): void {
  const s = c.opSize;
  const lo = readE(c, s), hi = s === 8 ? c.tHi : 0;
  const f = readFlags(c);
  if (lo === 0 && hi === 0) { setArithFlags(c, (f & ~ZF) | ZF); return; } // destination unchanged
  const r = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
  writeG(c, s, r, 0);
  setArithFlags(c, f & ~ZF);
}
function bsr(c: Cpu): void {
  const s = c.opSize;
  const lo = readE(c, s), hi = s === 8 ? c.tHi : 0;
  const f = readFlags(c);
  if (lo === 0 && hi === 0) { setArithFlags(c, (f & ~ZF) | ZF); return; }
  const r = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  writeG(c, s, r, 0);
  setArithFlags(c, f & ~ZF);
}
/** LZCNT (ABM): CF = source is zero, ZF = result is zero; others undefined (kept). */
function lzcnt(c: Cpu): void {
  const s = c.opSize;
  const lo = readE(c, s), hi = s === 8 ? c.tHi : 0;
  const bits = s << 3;
  let r: number;
  if (s === 8) r = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
  else r = Math.clz32(s === 2 ? lo & 0xffff : lo) - (32 - bits);
  writeG(c, s, r, 0);
  const f = readFlags(c) & ~(CF | ZF);
  setArithFlags(c, f | (r === bits ? CF : 0) | (r === 0 ? ZF : 0));
}
function popcnt32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
/** POPCNT: ZF = source is zero, other flags cleared. */
function popcnt(c: Cpu): void {
  const s = c.opSize;
  const lo = readE(c, s), hi = s === 8 ? c.tHi : 0;
  const r = popcnt32(s === 2 ? lo & 0xffff : lo) + popcnt32(hi);
  writeG(c, s, r, 0);
  setArithFlags(c, r === 0 ? ZF : 0);
}

/**
 * SHLD/SHRD E, G, count (APM Vol.3 "SHLD"). Count masked to 5 (6) bits; 0 changes nothing.
 * 16-bit counts above 16 shift in G then E again (the Intel/AMD observed pattern).
 */
function shld(c: Cpu, count: number, right: boolean): void {
  const s = c.opSize;
  const n = count & (s === 8 ? 63 : 31);
  if (n === 0) {
    const v = readE(c, s);
    if (s === 4 && c.mod === 3) writeE(c, 4, v, 0); // 32-bit register still zero-extended
    return;
  }
  let dLo = readE(c, s), dHi = s === 8 ? c.tHi : 0;
  const gLo = readG(c, s), gHi = s === 8 ? c.tHi : 0;
  const bits = s << 3;
  let rLo: number, rHi = 0, cf: number;
  if (s === 8) {
    if (!right) {
      rLo = shl64(dLo, dHi, n); rHi = shiftHi();
      const t = shr64(gLo, gHi, 64 - n); rLo |= t; rHi |= shiftHi();
      cf = bit64(dLo, dHi, 64 - n);
    } else {
      rLo = shr64(dLo, dHi, n); rHi = shiftHi();
      const t = shl64(gLo, gHi, 64 - n); rLo |= t; rHi |= shiftHi();
      cf = bit64(dLo, dHi, n - 1);
    }
  } else {
    // Build a 64-bit pattern X and take a window of it.
    let xLo: number, xHi: number;
    if (s === 4) {
      if (!right) { xHi = dLo; xLo = gLo; } else { xHi = gLo; xLo = dLo; }
    } else {
      dLo &= 0xffff;
      const g = gLo & 0xffff;
      if (!right) { xHi = (dLo << 16) | g; xLo = dLo << 16; } else { xLo = (g << 16) | dLo; xHi = dLo; }
    }
    if (!right) {
      shl64(xLo, xHi, n);
      const hi = shiftHi();
      rLo = s === 4 ? hi : hi >>> 16;
      cf = bit64(xLo, xHi, 64 - n);
    } else {
      rLo = shr64(xLo, xHi, n);
      if (s === 2) rLo &= 0xffff;
      cf = bit64(xLo, xHi, n - 1);
    }
  }
  const msb = bits - 1;
  const of = bit64(rLo, rHi, msb) ^ bit64(dLo, dHi, msb);
  writeE(c, s, rLo, rHi);
  setArithFlags(c, szpBits(s, rLo, rHi) | cf | (of ? OF : 0) | (readFlags(c) & AF));
}

export function registerBits(): void {
  const btNames = ['bt', 'bts', 'btr', 'btc'];
  const btOps = [0xa3, 0xab, 0xb3, 0xbb];
  for (let i = 0; i < 4; i++) def(OP_0F | btOps[i], `${btNames[i]}EvGv`, { modrm: true }, (c) => btEG(c, i));
  def(OP_0F | 0xba, 'grp8EvIb(bt/bts/btr/btc)', { modrm: true, imm: IMM_B }, (c) => {
    const op = (c.modrm >> 3) & 7;
    if (op < 4) raiseUD(c);
    btOp(c, c.opSize, op - 4, c.immLo & ((c.opSize << 3) - 1));
  });
  // F3 0F BC would be TZCNT (BMI1, not reported): it executes as BSF.
  def(OP_0F | 0xbc, 'bsfGvEv', { modrm: true }, bsf);
  def(OP_0F | 0xbd, 'bsrGvEv/lzcntGvEv', { modrm: true }, (c) => { if (c.repPrefix === 0xf3) lzcnt(c); else bsr(c); });
  def(OP_0F | 0xb8, 'popcntGvEv', { modrm: true }, (c) => { if (c.repPrefix !== 0xf3) raiseUD(c); popcnt(c); });
  def(OP_0F | 0xa4, 'shldEvGvIb', { modrm: true, imm: IMM_B }, (c) => shld(c, c.immLo, false));
  def(OP_0F | 0xa5, 'shldEvGvCL', { modrm: true }, (c) => shld(c, c.gpr[2], false));
  def(OP_0F | 0xac, 'shrdEvGvIb', { modrm: true, imm: IMM_B }, (c) => shld(c, c.immLo, true));
  def(OP_0F | 0xad, 'shrdEvGvCL', { modrm: true }, (c) => shld(c, c.gpr[2], true));
}
