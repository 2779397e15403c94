// Inline code for the hottest instruction forms inside a compiled block (jit/blocks.ts):
// register and [base+index*scale+disp] operands of 32/64-bit ALU ops, MOV, INC/DEC and
// 64-bit-mode near branches. The emitted code calls the same semantic functions as the
// handlers (alu, incDec, the memory accessors, testCondition), so results are identical;
// it only skips operand decoding. Anything else returns null and takes the generic path.
//
// Names available to the emitted code: c, g (= c.gpr), alu, incDec, r32, r64, w32, w64, tc, ea32, sh (shiftE), im (imul3),
// and the scratch variables r, rh, s, al, ah, bl, bh.
import type { Cpu } from '../cpu';
import { EA_32 } from '../decode-cache';
import { OP_0F } from '../isa/table';
import { ALU_ADC, ALU_ADD, ALU_AND, ALU_CMP, ALU_OR, ALU_SBB, ALU_SUB } from '../isa/alu';
import { LAZY_ADD, LAZY_LOGIC, LAZY_SUB } from '../flags';

/** Emitted code; whether it may write memory (the block then re-checks for code writes) or fault;
 *  decoded fields the code stores (the block's record of known field values must follow). */
export interface Emitted { code: string; writesMemory: boolean; mayFault: boolean; sets?: [string, number][] }

const CANONICAL_LIMIT = 0x800000000000;

function eaCall(c: Cpu): string {
  return `ea32(c, ${c.eaBase}, ${c.eaIndex}, ${c.eaScale}, ${c.eaDisp});`;
}
/** Load operand `src` (register number, or -1 for the memory operand) into bl/bh. */
function loadB(c: Cpu, size: number, src: number): string {
  if (src >= 0) return size === 8 ? `bl = g[${2 * src}]; bh = g[${2 * src + 1}];` : `bl = g[${2 * src}]; bh = 0;`;
  return size === 8 ? `${eaCall(c)} bl = r64(c, ${c.eaSeg}, c.eaLo, c.eaHi); bh = c.tHi;`
    : `${eaCall(c)} bl = r32(c, ${c.eaSeg}, c.eaLo, c.eaHi); bh = 0;`;
}
function storeReg(size: number, r: number, lo: string, hi = 'c.tHi'): string {
  return size === 8 ? `g[${2 * r}] = ${lo}; g[${2 * r + 1}] = ${hi};` : `g[${2 * r}] = ${lo}; g[${2 * r + 1}] = 0;`;
}

/**
 * `a op b` for ADD, SUB, CMP, AND, OR, XOR inline (the same arithmetic and lazy-flag record
 * as alu() in isa/alu.ts); ADC/SBB call alu(). Operand a is register d; b is in bl/bh.
 * Leaves the result in r/rh and writes it back unless the op is CMP (or `write` is false).
 */
function emitAlu(aop: number, size: number, d: number, write: boolean): string {
  const al = `g[${2 * d}]`, ah = size === 8 ? `g[${2 * d + 1}]` : '0';
  if (aop === ALU_ADC || aop === ALU_SBB) {
    return `r = alu(c, ${aop}, ${size}, ${al}, ${ah}, bl, bh);` + (write ? ` ${storeReg(size, d, 'r')}` : '');
  }
  let body: string;
  let lop: number;
  if (aop === ALU_ADD) {
    lop = LAZY_ADD;
    body = size === 8 ? `s = (al >>> 0) + (bl >>> 0); r = s | 0; rh = (ah + bh + (s > 0xffffffff ? 1 : 0)) | 0;` : `r = (al + bl) | 0; rh = 0;`;
  } else if (aop === ALU_SUB || aop === ALU_CMP) {
    lop = LAZY_SUB;
    body = size === 8 ? `s = (al >>> 0) - (bl >>> 0); r = s | 0; rh = (ah - bh - (s < 0 ? 1 : 0)) | 0;` : `r = (al - bl) | 0; rh = 0;`;
  } else {
    lop = LAZY_LOGIC;
    const o = aop === ALU_AND ? '&' : aop === ALU_OR ? '|' : '^';
    body = size === 8 ? `r = al ${o} bl; rh = ah ${o} bh;` : `r = al ${o} bl; rh = 0;`;
  }
  return `al = ${al}; ah = ${ah}; ${body} c.lop = ${lop}; c.lcf = 0; c.lsz = ${size}; c.laLo = al; c.laHi = ah;` +
    ` c.lbLo = bl; c.lbHi = bh; c.lresLo = r; c.lresHi = rh; c.tHi = rh;` + (write && aop !== ALU_CMP ? ` ${storeReg(size, d, 'r', 'rh')}` : '');
}

/** Byte register r readable as the low byte of GPR r (REX present, or AL/CL/DL/BL). */
function plainByteReg(c: Cpu, r: number): boolean {
  return c.rex !== 0 || r < 4;
}

export function emitSpecial(c: Cpu, op: number, next: number): Emitted | null {
  const size = c.opSize;
  const memOk = c.mod !== 3 && c.eaKind === EA_32;
  // SETcc Eb on a register (0F 90-9F).
  if (op >= (OP_0F | 0x90) && op <= (OP_0F | 0x9f) && c.mod === 3 && plainByteReg(c, c.regE)) {
    const e = 2 * c.regE;
    return { code: `g[${e}] = (g[${e}] & ~0xff) | (tc(c, ${op & 15}) ? 1 : 0);`, writesMemory: false, mayFault: false };
  }
  // MOVZX Gv, Eb/Ew on registers (0F B6, 0F B7).
  if ((op === (OP_0F | 0xb6) || op === (OP_0F | 0xb7)) && c.mod === 3 && (size === 4 || size === 8) &&
      (op === (OP_0F | 0xb7) || plainByteReg(c, c.regE))) {
    const m = op === (OP_0F | 0xb6) ? 0xff : 0xffff;
    return { code: `g[${2 * c.regG}] = g[${2 * c.regE}] & ${m}; g[${2 * c.regG + 1}] = 0;`, writesMemory: false, mayFault: false };
  }
  if (size !== 4 && size !== 8) return null;
  // CMOVcc Gv, Ev on registers (0F 40-4F): a 32-bit destination is zero-extended either way.
  if (op >= (OP_0F | 0x40) && op <= (OP_0F | 0x4f) && c.mod === 3) {
    const d = 2 * c.regG, s = 2 * c.regE;
    return size === 8
      ? { code: `if (tc(c, ${op & 15})) { g[${d}] = g[${s}]; g[${d + 1}] = g[${s + 1}]; }`, writesMemory: false, mayFault: false }
      : { code: `if (tc(c, ${op & 15})) g[${d}] = g[${s}]; g[${d + 1}] = 0;`, writesMemory: false, mayFault: false };
  }
  // IMUL Gv, Ev on registers (0F AF): the handler's own function, G set for it.
  if (op === (OP_0F | 0xaf) && c.mod === 3) {
    const d = c.regG, s = c.regE;
    const hi = (r: number) => (size === 8 ? `g[${2 * r + 1}]` : '0');
    return {
      code: `c.regG = ${d}; im(c, ${size}, g[${2 * d}], ${hi(d)}, g[${2 * s}], ${hi(s)});`,
      writesMemory: false, mayFault: false, sets: [['regG', d]],
    };
  }
  // LEA Gv, M with 64- or 32-bit addressing.
  if (op === 0x8d && memOk && (c.adSize === 8 || c.adSize === 4)) {
    const d = 2 * c.regG;
    return { code: `${eaCall(c)} g[${d}] = c.eaLo; g[${d + 1}] = ${size === 8 ? 'c.eaHi' : '0'};`, writesMemory: false, mayFault: false };
  }
  // MOVSXD Gq, Ed on registers (64-bit mode).
  if (op === 0x63 && c.mode64 && c.mod === 3 && size === 8) {
    return { code: `g[${2 * c.regG}] = g[${2 * c.regE}]; g[${2 * c.regG + 1}] = g[${2 * c.regE}] >> 31;`, writesMemory: false, mayFault: false };
  }
  // Shifts and rotates of a register by an immediate or by one (C1, D1): the handler's own function.
  if ((op === 0xc1 || op === 0xd1) && c.mod === 3) {
    const count = op === 0xd1 ? 1 : c.immLo & 0xff;
    return {
      code: `c.mod = 3; c.regE = ${c.regE}; sh(c, ${size}, ${(c.modrm >> 3) & 7}, ${count});`,
      writesMemory: false, mayFault: false, sets: [['mod', 3], ['regE', c.regE]],
    };
  }
  if (size !== 4 && size !== 8) return null;
  // ALU Ev,Gv (x1) / Gv,Ev (x3) and TEST Ev,Gv (85).
  if ((op < 0x40 && ((op & 7) === 1 || (op & 7) === 3)) || op === 0x85) {
    const aop = op === 0x85 ? 4 : op >> 3;
    const write = op !== 0x85 && aop !== 7;
    if ((op & 7) === 3) {
      if (c.mod !== 3 && !memOk) return null;
      const src = c.mod === 3 ? c.regE : -1, d = c.regG;
      return { code: `${loadB(c, size, src)} ${emitAlu(aop, size, d, write)}`, writesMemory: false, mayFault: src < 0 };
    }
    if (c.mod !== 3) return null; // memory destination: generic path
    const d = c.regE, s = c.regG;
    return { code: `${loadB(c, size, s)} ${emitAlu(aop, size, d, write)}`, writesMemory: false, mayFault: false };
  }
  // Group 1 with an immediate on a register: 81 /op Iz, 83 /op Ib.
  if ((op === 0x81 || op === 0x83) && c.mod === 3) {
    const aop = (c.modrm >> 3) & 7;
    const lo = op === 0x83 ? (c.immLo << 24) >> 24 : c.immLo;
    const hi = lo >> 31;
    return { code: `bl = ${lo}; bh = ${hi}; ${emitAlu(aop, size, c.regE, true)}`, writesMemory: false, mayFault: false };
  }
  // MOV Gv,Ev (8B) and MOV Ev,Gv (89).
  if (op === 0x8b && (c.mod === 3 || memOk)) {
    const d = c.regG;
    return { code: `${loadB(c, size, c.mod === 3 ? c.regE : -1)} g[${2 * d}] = bl; g[${2 * d + 1}] = bh;`, writesMemory: false, mayFault: c.mod !== 3 };
  }
  if (op === 0x89) {
    const s = c.regG;
    if (c.mod === 3) {
      const d = c.regE;
      return { code: `g[${2 * d}] = g[${2 * s}]; g[${2 * d + 1}] = ${size === 8 ? `g[${2 * s + 1}]` : '0'};`, writesMemory: false, mayFault: false };
    }
    if (!memOk) return null;
    return {
      code: size === 8 ? `${eaCall(c)} w64(c, ${c.eaSeg}, c.eaLo, c.eaHi, g[${2 * s}], g[${2 * s + 1}]);`
        : `${eaCall(c)} w32(c, ${c.eaSeg}, c.eaLo, c.eaHi, g[${2 * s}]);`,
      writesMemory: true,
      mayFault: true,
    };
  }
  // INC/DEC Ev on a register (FF /0, /1).
  if (op === 0xff && c.mod === 3 && ((c.modrm >> 3) & 7) < 2) {
    const d = c.regE, dec = ((c.modrm >> 3) & 7) === 1;
    const aHi = size === 8 ? `g[${2 * d + 1}]` : '0';
    return { code: `r = incDec(c, ${size}, g[${2 * d}], ${aHi}, ${dec}); ${storeReg(size, d, 'r')}`, writesMemory: false, mayFault: false };
  }
  // Near branches in 64-bit mode with a constant, canonical target.
  if (c.mode64 && size === 8 && ((op >= 0x70 && op <= 0x7f) || (op >= (OP_0F | 0x80) && op <= (OP_0F | 0x8f)) || op === 0xeb || op === 0xe9)) {
    const disp = op === 0xeb || (op >= 0x70 && op <= 0x7f) ? (c.immLo << 24) >> 24 : c.immLo;
    const target = next + disp;
    if (target < -CANONICAL_LIMIT || target >= CANONICAL_LIMIT) return null;
    if (op === 0xeb || op === 0xe9) return { code: `c.rip = ${target};`, writesMemory: false, mayFault: false };
    return { code: `if (tc(c, ${op & 15})) c.rip = ${target};`, writesMemory: false, mayFault: false };
  }
  return null;
}
