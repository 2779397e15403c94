// Exchange-and-compare instructions: XADD, CMPXCHG, CMPXCHG8B/16B (APM Vol.3).
// LOCK needs nothing extra: one CPU executes an instruction at a time.
import type { Cpu } from '../cpu';
import { materializeFlags } from '../flags';
import { readE, readG, readReg, writeE, writeG, writeReg } from '../operands';
import { linear, probeWrite, read64, write64 } from '../mmu';
import { raiseGP, raiseUD } from '../exceptions';
import { alu, ALU_ADD, ALU_CMP } from './alu';
import { def, OP_0F } from './table';
import { RAX, RBX, RCX, RDX, ZF } from '../regs';

/** XADD E, G: TEMP = E + G; G = E; E = TEMP (E written last). */
function xadd(c: Cpu, s: number): void {
  if (c.mod !== 3) probeWrite(c, c.eaSeg, c.eaLo, c.eaHi, s);
  const aLo = readE(c, s), aHi = c.tHi;
  const bLo = readG(c, s), bHi = c.tHi;
  const r = alu(c, ALU_ADD, s, aLo, aHi, bLo, bHi);
  const rHi = c.tHi;
  writeG(c, s, aLo, aHi);
  writeE(c, s, r, rHi);
}

/**
 * CMPXCHG E, G: compare the accumulator with E (flags as CMP). Equal: E = G.
 * Else: accumulator = E, and a memory destination is written back unchanged.
 */
function cmpxchg(c: Cpu, s: number): void {
  if (c.mod !== 3) probeWrite(c, c.eaSeg, c.eaLo, c.eaHi, s);
  const dLo = readE(c, s), dHi = c.tHi;
  const aLo = readReg(c, s, RAX), aHi = c.tHi;
  alu(c, ALU_CMP, s, aLo, aHi, dLo, dHi);
  const eq = s === 8 ? aLo === dLo && aHi === dHi : ((aLo ^ dLo) & (s === 1 ? 0xff : s === 2 ? 0xffff : -1)) === 0;
  if (eq) {
    const gLo = readG(c, s);
    writeE(c, s, gLo, c.tHi);
  } else {
    if (c.mod !== 3) writeE(c, s, dLo, dHi);
    writeReg(c, s, RAX, dLo, dHi);
  }
}

/** CMPXCHG8B m64 / CMPXCHG16B m128 (0F C7 /1); the rest of group 9 is not offered. */
function grp9(c: Cpu): void {
  if (c.mod === 3 || ((c.modrm >> 3) & 7) !== 1) raiseUD(c);
  const g = c.gpr;
  const seg = c.eaSeg;
  if (c.opSize === 8) {
    // CMPXCHG16B: #GP(0) unless 16-byte aligned.
    if ((linear(c, seg, c.eaLo, c.eaHi, 16, true) & 15) !== 0) raiseGP(c, 0);
    const lo2 = (c.eaLo >>> 0) + 8;
    const l2 = lo2 | 0, h2 = c.adSize === 8 && lo2 > 0xffffffff ? (c.eaHi + 1) | 0 : c.eaHi;
    probeWrite(c, seg, c.eaLo, c.eaHi, 8);
    probeWrite(c, seg, l2, h2, 8);
    const m0 = read64(c, seg, c.eaLo, c.eaHi), m1 = c.tHi;
    const m2 = read64(c, seg, l2, h2), m3 = c.tHi;
    materializeFlags(c);
    if (m0 === g[RAX * 2] && m1 === g[RAX * 2 + 1] && m2 === g[RDX * 2] && m3 === g[RDX * 2 + 1]) {
      write64(c, seg, c.eaLo, c.eaHi, g[RBX * 2], g[RBX * 2 + 1]);
      write64(c, seg, l2, h2, g[RCX * 2], g[RCX * 2 + 1]);
      c.flags |= ZF;
    } else {
      write64(c, seg, c.eaLo, c.eaHi, m0, m1);
      write64(c, seg, l2, h2, m2, m3);
      writeReg(c, 8, RAX, m0, m1);
      writeReg(c, 8, RDX, m2, m3);
      c.flags &= ~ZF;
    }
    return;
  }
  probeWrite(c, seg, c.eaLo, c.eaHi, 8);
  const m0 = read64(c, seg, c.eaLo, c.eaHi), m1 = c.tHi;
  materializeFlags(c);
  if (m0 === g[RAX * 2] && m1 === g[RDX * 2]) {
    write64(c, seg, c.eaLo, c.eaHi, g[RBX * 2], g[RCX * 2]);
    c.flags |= ZF;
  } else {
    write64(c, seg, c.eaLo, c.eaHi, m0, m1);
    writeReg(c, 4, RAX, m0, 0);
    writeReg(c, 4, RDX, m1, 0);
    c.flags &= ~ZF;
  }
}

export function registerMiscAtomic(): void {
  def(OP_0F | 0xc0, 'xaddEbGb', { modrm: true }, (c) => xadd(c, 1));
  def(OP_0F | 0xc1, 'xaddEvGv', { modrm: true }, (c) => xadd(c, c.opSize));
  def(OP_0F | 0xb0, 'cmpxchgEbGb', { modrm: true }, (c) => cmpxchg(c, 1));
  def(OP_0F | 0xb1, 'cmpxchgEvGv', { modrm: true }, (c) => cmpxchg(c, c.opSize));
  def(OP_0F | 0xc7, 'grp9', { modrm: true }, grp9);
}
