// Group 3 (F6, F7: TEST NOT NEG MUL IMUL DIV IDIV) and the two/three-operand IMUL forms
// (0F AF, 69, 6B). APM Vol.3 "MUL", "IMUL", "DIV", "IDIV". Wide products and quotients
// come from arith-wide.ts.
import type { Cpu } from '../cpu';
import { raiseDE } from '../exceptions';
import { ALU_AND, ALU_SUB, alu } from './alu';
import { lazyAF, setArithFlags, szpBits } from '../flags';
import { readE, readG, readReg, writeE, writeG, writeReg } from '../operands';
import { AF, CF, OF, RAX, RDX } from '../regs';
import { def, IMM_B, IMM_GRP3_B, IMM_GRP3_Z, IMM_Z, OP_0F } from './table';
import * as W from './arith-wide';

/** Flags after a multiply: CF = OF = `ovf`; SF ZF PF from the low result (undefined per manual), AF kept. */
function mulFlags(c: Cpu, size: number, lo: number, hi: number, ovf: boolean): void {
  // AF is undefined after MUL; it keeps its value.
  setArithFlags(c, szpBits(size, lo, hi) | (ovf ? CF | OF : 0) | (lazyAF(c) ? AF : 0));
}

/** Sign-extend an operand of `size` held in the low half to int32 (sizes 1, 2, 4). */
function sx(size: number, v: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

/** MUL / IMUL with one operand: rDX:rAX (AX for bytes) = rAX * E. */
function mulE(c: Cpu, size: number, signed: boolean): void {
  const bLo = readE(c, size), bHi = c.tHi;
  if (size === 8) {
    const aLo = c.gpr[RAX << 1], aHi = c.gpr[(RAX << 1) | 1];
    if (signed) W.mulS64(aLo, aHi, bLo, bHi); else W.mulU64(aLo, aHi, bLo, bHi);
    c.gpr[0] = W.wide[0]; c.gpr[1] = W.wide[1]; c.gpr[4] = W.wide[2]; c.gpr[5] = W.wide[3];
    const ovf = signed ? !(W.wide[2] === W.wide[1] >> 31 && W.wide[3] === W.wide[1] >> 31) : (W.wide[2] | W.wide[3]) !== 0;
    mulFlags(c, 8, W.wide[0], W.wide[1], ovf);
    return;
  }
  const a = readReg(c, size, RAX);
  if (size === 4) {
    if (signed) W.mulS64(a, a >> 31, bLo, bLo >> 31); else W.mulU64(a, 0, bLo, 0);
    writeReg(c, 4, RAX, W.wide[0], 0);
    writeReg(c, 4, RDX, W.wide[1], 0);
    const ovf = signed ? W.wide[1] !== W.wide[0] >> 31 : W.wide[1] !== 0;
    mulFlags(c, 4, W.wide[0], 0, ovf);
    return;
  }
  // 8/16-bit: the product fits a double exactly.
  const p = signed ? sx(size, a) * sx(size, bLo) : a * bLo;
  if (size === 1) {
    writeReg(c, 2, RAX, p & 0xffff, 0);
    const ovf = signed ? p !== ((p << 24) >> 24) : p > 0xff;
    mulFlags(c, 1, p & 0xff, 0, ovf);
  } else {
    writeReg(c, 2, RAX, p & 0xffff, 0);
    writeReg(c, 2, RDX, (p >> 16) & 0xffff, 0);
    const ovf = signed ? p !== ((p << 16) >> 16) : p > 0xffff;
    mulFlags(c, 2, p & 0xffff, 0, ovf);
  }
}

/** DIV / IDIV: quotient and remainder of rDX:rAX (AX for bytes) by E; #DE on 0 or overflow. */
function divE(c: Cpu, size: number, signed: boolean): void {
  const dLo = readE(c, size), dHi = c.tHi;
  if (size === 8) {
    const n0 = c.gpr[0], n1 = c.gpr[1], n2 = c.gpr[4], n3 = c.gpr[5];
    const ok = signed ? W.divS128(n3, n2, n1, n0, dLo, dHi, 64) : W.divU128(n3, n2, n1, n0, dLo, dHi);
    if (!ok) raiseDE(c);
    c.gpr[0] = W.wide[4]; c.gpr[1] = W.wide[5]; c.gpr[4] = W.wide[6]; c.gpr[5] = W.wide[7];
    return;
  }
  if (size === 4) {
    const n0 = c.gpr[0], n1 = c.gpr[4];
    let ok: boolean;
    if (signed) {
      const s = n1 >> 31;
      ok = W.divS128(s, s, n1, n0, dLo, dLo >> 31, 32);
    } else {
      ok = W.divU128(0, 0, n1, n0, dLo, 0) && W.wide[5] === 0;
    }
    if (!ok) raiseDE(c);
    writeReg(c, 4, RAX, W.wide[4], 0);
    writeReg(c, 4, RDX, W.wide[6], 0);
    return;
  }
  // 8/16-bit: exact in doubles.
  let n: number, d: number;
  if (size === 1) {
    const ax = readReg(c, 2, RAX);
    n = signed ? (ax << 16) >> 16 : ax;
    d = signed ? sx(1, dLo) : dLo;
  } else {
    const v = (readReg(c, 2, RDX) << 16) | readReg(c, 2, RAX);
    n = signed ? v : v >>> 0;
    d = signed ? sx(2, dLo) : dLo;
  }
  if (d === 0) raiseDE(c);
  const q = Math.trunc(n / d);
  const r = n - q * d;
  const lim = size === 1 ? 0x80 : 0x8000;
  if (signed ? q >= lim || q < -lim : q >= lim * 2) raiseDE(c);
  if (size === 1) writeReg(c, 2, RAX, (q & 0xff) | ((r & 0xff) << 8), 0);
  else { writeReg(c, 2, RAX, q & 0xffff, 0); writeReg(c, 2, RDX, r & 0xffff, 0); }
}

/** F6/F7 /0-/7. */
function grp3(c: Cpu, size: number): void {
  const op = (c.modrm >> 3) & 7;
  switch (op) {
    case 0: case 1: { // TEST E, imm
      const aLo = readE(c, size), aHi = c.tHi;
      alu(c, ALU_AND, size, aLo, size === 8 ? aHi : 0, c.immLo, size === 8 ? c.immHi : 0);
      return;
    }
    case 2: { // NOT: no flags
      const lo = readE(c, size), hi = c.tHi;
      writeE(c, size, ~lo, size === 8 ? ~hi : 0);
      return;
    }
    case 3: { // NEG = 0 - E: CF set unless the operand is 0
      const lo = readE(c, size), hi = size === 8 ? c.tHi : 0;
      const r = alu(c, ALU_SUB, size, 0, 0, lo, hi);
      writeE(c, size, r, c.tHi);
      return;
    }
    case 4: mulE(c, size, false); return;
    case 5: mulE(c, size, true); return;
    case 6: divE(c, size, false); return;
    default: divE(c, size, true);
  }
}

/** IMUL G, E, imm (or G, G, E): truncated signed product; CF = OF = the product did not fit. */
export function imul3(c: Cpu, size: number, aLo: number, aHi: number, bLo: number, bHi: number): void {
  if (size === 8) {
    W.mulS64(aLo, aHi, bLo, bHi);
    writeG(c, 8, W.wide[0], W.wide[1]);
    mulFlags(c, 8, W.wide[0], W.wide[1], !(W.wide[2] === W.wide[1] >> 31 && W.wide[3] === W.wide[1] >> 31));
    return;
  }
  const a = sx(size, aLo), b = sx(size, bLo);
  const lo = Math.imul(a, b);
  const p = a * b; // overflow test is exact: any |p| > 2^53 is far out of range
  const r = size === 4 ? lo : size === 2 ? lo & 0xffff : lo & 0xff;
  writeG(c, size, r, 0);
  mulFlags(c, size, r, 0, p !== sx(size, r));
}

const GRP3_NAMES = 'test/test/not/neg/mul/imul/div/idiv';

export function registerMulDiv(): void {
  def(0xf6, `grp3Eb(${GRP3_NAMES})`, { modrm: true, imm: IMM_GRP3_B }, (c) => grp3(c, 1));
  def(0xf7, `grp3Ev(${GRP3_NAMES})`, { modrm: true, imm: IMM_GRP3_Z }, (c) => grp3(c, c.opSize));
  def(OP_0F | 0xaf, 'imulGvEv', { modrm: true }, (c) => {
    const s = c.opSize;
    const bLo = readE(c, s), bHi = c.tHi;
    const aLo = readG(c, s), aHi = c.tHi;
    imul3(c, s, aLo, aHi, bLo, bHi);
  });
  def(0x69, 'imulGvEvIz', { modrm: true, imm: IMM_Z }, (c) => {
    const s = c.opSize;
    const aLo = readE(c, s), aHi = c.tHi;
    imul3(c, s, aLo, aHi, c.immLo, c.immHi);
  });
  def(0x6b, 'imulGvEvIb', { modrm: true, imm: IMM_B }, (c) => {
    const s = c.opSize;
    const aLo = readE(c, s), aHi = c.tHi;
    const v = (c.immLo << 24) >> 24;
    imul3(c, s, aLo, aHi, v, v >> 31);
  });
}
