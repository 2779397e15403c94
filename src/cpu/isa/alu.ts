// Two-operand integer ALU: ADD OR ADC SBB AND SUB XOR CMP in every form (00-3D, 80-83),
// INC/DEC, TEST (84, 85, A8, A9). APM Vol.3 ch.3. Flags are left lazy (flags.ts).
import type { Cpu } from '../cpu';
import {
  LAZY_ADC, LAZY_ADD, LAZY_DEC, LAZY_INC, LAZY_LOGIC, LAZY_SBB, LAZY_SUB, lazyCF,
} from '../flags';
import { readE, readG, readReg, writeE, writeG, writeReg } from '../operands';
import { def, defRange, IMM_B, IMM_Z } from './table';
import { RAX } from '../regs';

export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;

/**
 * Compute `a op b` at `size`, record the flags lazily and return the low half of the
 * result (high half in c.tHi). Operands are (lo, hi) pairs; hi matters for size 8 only.
 */
export function alu(c: Cpu, op: number, size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  let lo: number, hi = 0;
  switch (op) {
    case ALU_ADD: case ALU_ADC: {
      const cin = op === ALU_ADC && lazyCF(c) ? 1 : 0;
      const s = (aLo >>> 0) + (bLo >>> 0) + cin;
      lo = s | 0;
      if (size === 8) hi = (aHi + bHi + (s > 0xffffffff ? 1 : 0)) | 0;
      c.lop = op === ALU_ADD ? LAZY_ADD : LAZY_ADC;
      c.lcf = cin;
      break;
    }
    case ALU_SUB: case ALU_SBB: case ALU_CMP: {
      const bin = op === ALU_SBB && lazyCF(c) ? 1 : 0;
      const s = (aLo >>> 0) - (bLo >>> 0) - bin;
      lo = s | 0;
      if (size === 8) hi = (aHi - bHi - (s < 0 ? 1 : 0)) | 0;
      c.lop = op === ALU_SBB ? LAZY_SBB : LAZY_SUB;
      c.lcf = bin;
      break;
    }
    case ALU_OR: lo = aLo | bLo; hi = aHi | bHi; c.lop = LAZY_LOGIC; break;
    case ALU_AND: lo = aLo & bLo; hi = aHi & bHi; c.lop = LAZY_LOGIC; break;
    default: lo = aLo ^ bLo; hi = aHi ^ bHi; c.lop = LAZY_LOGIC; break;
  }
  if (size !== 8) {
    hi = 0;
    if (size === 1) lo &= 0xff; else if (size === 2) lo &= 0xffff;
  }
  c.lsz = size;
  c.laLo = aLo; c.laHi = aHi;
  c.lbLo = bLo; c.lbHi = bHi;
  c.lresLo = lo; c.lresHi = hi;
  c.tHi = hi;
  return lo;
}

/** INC/DEC: like ADD/SUB 1 but CF is kept (APM Vol.3 INC). */
export function incDec(c: Cpu, size: number, aLo: number, aHi: number, dec: boolean): number {
  const cf = lazyCF(c) ? 1 : 0;
  let lo: number, hi = 0;
  if (dec) {
    lo = (aLo - 1) | 0;
    if (size === 8) hi = aLo === 0 ? (aHi - 1) | 0 : aHi;
  } else {
    lo = (aLo + 1) | 0;
    if (size === 8) hi = aLo === -1 ? (aHi + 1) | 0 : aHi;
  }
  if (size === 1) lo &= 0xff; else if (size === 2) lo &= 0xffff;
  c.lop = dec ? LAZY_DEC : LAZY_INC;
  c.lcf = cf;
  c.lsz = size;
  c.laLo = aLo; c.laHi = aHi;
  c.lbLo = 1; c.lbHi = 0;
  c.lresLo = lo; c.lresHi = hi;
  c.tHi = hi;
  return lo;
}

function aluEG(c: Cpu, op: number, size: number): void {
  const aLo = readE(c, size), aHi = c.tHi;
  const bLo = readG(c, size), bHi = c.tHi;
  const r = alu(c, op, size, aLo, aHi, bLo, bHi);
  if (op !== ALU_CMP) writeE(c, size, r, c.tHi);
}
function aluGE(c: Cpu, op: number, size: number): void {
  const aLo = readG(c, size), aHi = c.tHi;
  const bLo = readE(c, size), bHi = c.tHi;
  const r = alu(c, op, size, aLo, aHi, bLo, bHi);
  if (op !== ALU_CMP) writeG(c, size, r, c.tHi);
}
function aluAI(c: Cpu, op: number, size: number): void {
  const aLo = readReg(c, size, RAX), aHi = c.tHi;
  const r = alu(c, op, size, aLo, aHi, c.immLo, size === 8 ? c.immHi : 0);
  if (op !== ALU_CMP) writeReg(c, size, RAX, r, c.tHi);
}
/** 80, 81, 83 /op: Eb,Ib  Ev,Iz  Ev,Ib(sign-extended). */
function aluEI(c: Cpu, size: number, imm: number, immHi: number): void {
  const op = (c.modrm >> 3) & 7;
  const aLo = readE(c, size), aHi = c.tHi;
  const r = alu(c, op, size, aLo, aHi, imm, immHi);
  if (op !== ALU_CMP) writeE(c, size, r, c.tHi);
}

const OPNAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

export function registerAlu(): void {
  for (let op = 0; op < 8; op++) {
    const base = op << 3;
    const n = OPNAMES[op];
    def(base + 0, `${n}EbGb`, { modrm: true }, (c) => aluEG(c, op, 1));
    def(base + 1, `${n}EvGv`, { modrm: true }, (c) => aluEG(c, op, c.opSize));
    def(base + 2, `${n}GbEb`, { modrm: true }, (c) => aluGE(c, op, 1));
    def(base + 3, `${n}GvEv`, { modrm: true }, (c) => aluGE(c, op, c.opSize));
    def(base + 4, `${n}ALIb`, { imm: IMM_B }, (c) => aluAI(c, op, 1));
    def(base + 5, `${n}rAXIz`, { imm: IMM_Z }, (c) => aluAI(c, op, c.opSize));
  }
  def(0x80, 'grp1EbIb', { modrm: true, imm: IMM_B }, (c) => aluEI(c, 1, c.immLo, 0));
  def(0x81, 'grp1EvIz', { modrm: true, imm: IMM_Z }, (c) => aluEI(c, c.opSize, c.immLo, c.immHi));
  def(0x82, 'grp1EbIb', { modrm: true, imm: IMM_B, inv64: true }, (c) => aluEI(c, 1, c.immLo, 0));
  def(0x83, 'grp1EvIb', { modrm: true, imm: IMM_B }, (c) => {
    const v = (c.immLo << 24) >> 24;
    aluEI(c, c.opSize, c.opSize === 2 ? v & 0xffff : v, v >> 31);
  });
  // INC/DEC r (40-4F) outside 64-bit mode, where they are REX prefixes.
  defRange(0x40, 8, 'incZv', { inv64: true }, (c) => {
    const r = c.opcode & 7;
    writeReg(c, c.opSize, r, incDec(c, c.opSize, readReg(c, c.opSize, r), 0, false), 0);
  });
  defRange(0x48, 8, 'decZv', { inv64: true }, (c) => {
    const r = c.opcode & 7;
    writeReg(c, c.opSize, r, incDec(c, c.opSize, readReg(c, c.opSize, r), 0, true), 0);
  });
  def(0x84, 'testEbGb', { modrm: true }, (c) => { alu(c, ALU_AND, 1, readE(c, 1), 0, readG(c, 1), 0); });
  def(0x85, 'testEvGv', { modrm: true }, (c) => {
    const s = c.opSize;
    const aLo = readE(c, s), aHi = c.tHi;
    alu(c, ALU_AND, s, aLo, aHi, readG(c, s), c.tHi);
  });
  def(0xa8, 'testALIb', { imm: IMM_B }, (c) => { alu(c, ALU_AND, 1, readReg(c, 1, RAX), 0, c.immLo, 0); });
  def(0xa9, 'testrAXIz', { imm: IMM_Z }, (c) => {
    const s = c.opSize;
    alu(c, ALU_AND, s, readReg(c, s, RAX), c.tHi, c.immLo, c.immHi);
  });
}
