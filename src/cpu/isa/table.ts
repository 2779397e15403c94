// The ISA table: one entry per opcode (APM Vol.3 Appendix A). It says how to decode
// (ModRM, immediate kind, 64-bit default operand size, validity in 64-bit mode) and
// which handler executes. Instruction groups register their opcodes here.
//
// Opcode index: 0x000-0x0FF one-byte, 0x100-0x1FF 0F xx, 0x200-0x2FF 0F 38 xx, 0x300-0x3FF 0F 3A xx.
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';

export type Handler = (c: Cpu) => void;

export const OP_0F = 0x100, OP_0F38 = 0x200, OP_0F3A = 0x300;

/** Immediate kinds (bits 1-4 of the decode info). */
export const IMM_NONE = 0;
/** 8-bit (zero-extended into immLo). */
export const IMM_B = 1;
/** 16-bit. */
export const IMM_W = 2;
/** 16 or 32 bits by operand size (32 for 64-bit operands, sign-extended by the handler). */
export const IMM_Z = 3;
/** 16, 32 or 64 bits by operand size (MOV r, imm). */
export const IMM_V = 4;
/** 16-bit then 8-bit (ENTER): immLo, imm2. */
export const IMM_WB = 5;
/** Far pointer: offset (16/32 by operand size) in immLo, selector in imm2. */
export const IMM_P = 6;
/** Memory offset of address size (MOV AL, moffs): immLo, immHi. */
export const IMM_MOFFS = 7;
/** F6 /0-/1: 8-bit immediate only for TEST. */
export const IMM_GRP3_B = 8;
/** F7 /0-/1: z-sized immediate only for TEST. */
export const IMM_GRP3_Z = 9;

export const D_MODRM = 1;
export const D_IMM_SHIFT = 1;
/** Operand size defaults to 64 bits in 64-bit mode (PUSH, POP, near branches...). */
export const D_DEF64 = 1 << 5;
/** #UD in 64-bit mode. */
export const D_INV64 = 1 << 6;
/** Registered (anything else is #UD). */
export const D_VALID = 1 << 7;

export const DECODE = new Uint8Array(0x400);
export const HANDLERS: Handler[] = new Array<Handler>(0x400).fill(raiseUD as Handler);
export const NAMES: string[] = new Array<string>(0x400).fill('');

export interface OpDef {
  modrm?: boolean;
  imm?: number;
  def64?: boolean;
  inv64?: boolean;
}

/** Register `handler` for opcode index `op`. Registering an opcode twice is a bug. */
export function def(op: number, name: string, d: OpDef, handler: Handler): void {
  if ((DECODE[op] & D_VALID) !== 0) throw new Error(`opcode ${op.toString(16)} registered twice (${NAMES[op]} and ${name})`);
  DECODE[op] = D_VALID | (d.modrm ? D_MODRM : 0) | ((d.imm ?? 0) << D_IMM_SHIFT) | (d.def64 ? D_DEF64 : 0) | (d.inv64 ? D_INV64 : 0);
  HANDLERS[op] = handler;
  NAMES[op] = name;
}
/** Register the same decode info and handler for a run of opcodes (e.g. 50+r). */
export function defRange(first: number, count: number, name: string, d: OpDef, handler: Handler): void {
  for (let i = 0; i < count; i++) def(first + i, name, d, handler);
}
