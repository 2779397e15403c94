// Block translation, the first step from the decode cache toward a JIT (ARCHITECTURE.md,
// "What matters for speed"). A hot run of straight-line instructions within one code page
// is compiled into one JS function that sets each instruction's decoded fields as constants
// and calls its handler directly: no fetch, no cache lookup, no run-loop turn per
// instruction. Semantics stay the interpreter's (the same handlers), so the differential
// suites test both. Only opcodes that cannot change mode, CS, paging or the interrupt
// shadow are compiled; a block ends at a branch, before anything else, or at the page end.
import type { Cpu } from '../cpu';
import { HANDLERS, OP_0F, type Handler } from '../isa/table';
import { computeEA16, computeEA32, decodeInstr } from '../decoder';
import { FAULT } from '../exceptions';
import { DC_MASK, EA_16, EA_32, EA_NONE, EA_RIPREL } from '../decode-cache';
import { emitSpecial } from './specialize';
import { alu, incDec } from '../isa/alu';
import { read32, read64, write32, write64 } from '../mmu';
import { testCondition } from '../flags';
import { shiftE } from '../isa/arith-shift';
import { imul3 } from '../isa/arith-muldiv';

/** Executes a block; returns the number of instructions it completed. */
export type BlockFn = (c: Cpu) => number;

export const BLOCK_MAX = 32;

/** Opcodes a block may contain (true) and those that end it after themselves (branches). */
const COMPILABLE = new Uint8Array(0x400);
const ENDS_BLOCK = new Uint8Array(0x400);
function allow(first: number, last: number, ends = false): void {
  for (let op = first; op <= last; op++) { COMPILABLE[op] = 1; if (ends) ENDS_BLOCK[op] = 1; }
}
for (let g = 0; g < 8; g++) allow(g * 8, g * 8 + 5); // ALU forms 00-3D
allow(0x40, 0x5f); // INC/DEC (legacy), PUSH/POP r
allow(0x63, 0x63); allow(0x69, 0x69); allow(0x6b, 0x6b);
allow(0x70, 0x7f, true);
allow(0x80, 0x8b); allow(0x8d, 0x8d); allow(0x90, 0x99); allow(0xa8, 0xa9); allow(0xb0, 0xbf);
allow(0xc0, 0xc1); allow(0xc2, 0xc3, true); allow(0xc6, 0xc7); allow(0xd0, 0xd3);
allow(0xe8, 0xe9, true); allow(0xeb, 0xeb, true);
allow(0xf6, 0xf7); allow(0xfe, 0xfe);
allow(OP_0F | 0x1f, OP_0F | 0x1f);
allow(OP_0F | 0x40, OP_0F | 0x4f);
allow(OP_0F | 0x80, OP_0F | 0x8f, true);
allow(OP_0F | 0x90, OP_0F | 0x9f);
for (const op of [0xa3, 0xab, 0xaf, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1]) allow(OP_0F | op, OP_0F | op);
allow(OP_0F | 0xc8, OP_0F | 0xcf);

/** Can this decoded instruction go into a block? FF only for INC/DEC/CALL/JMP/PUSH near. */
function compilable(c: Cpu, op: number): boolean {
  if (op === 0xff) {
    const r = (c.modrm >> 3) & 7;
    return r === 0 || r === 1 || r === 2 || r === 4 || r === 6;
  }
  return COMPILABLE[op] === 1;
}
function endsBlock(c: Cpu, op: number): boolean {
  return ENDS_BLOCK[op] === 1 || (op === 0xff && (((c.modrm >> 3) & 7) === 2 || ((c.modrm >> 3) & 7) === 4));
}

/**
 * Compile the block starting at c.rip (which lies in the current fetch window). Returns null
 * when not even the first instruction qualifies. Leaves the decode fields clobbered.
 */
export function compileBlock(c: Cpu): BlockFn | null {
  const handlers: Handler[] = [];
  const lines: string[] = ['const inv = dc.invalidations; const g = c.gpr; let r = 0, rh = 0, s = 0, al = 0, ah = 0, bl = 0, bh = 0;'];
  let rip = c.rip;
  let n = 0;
  /** RIP after the last instruction when it did not store RIP itself (-1: it did). */
  let lastNext = -1;
  /** Decoded-field values the block has already stored (compile time). */
  const known = new Map<string, number | boolean>();
  while (n < BLOCK_MAX && c.fetchRipEnd - rip >= 15) {
    let op: number;
    try {
      op = decodeInstr(c, rip);
    } catch (e) {
      if (e === FAULT) break;
      throw e;
    }
    if (!compilable(c, op)) break;
    const next = c.nextRip;
    const special = emitSpecial(c, op, next);
    if (special !== null) {
      // RIP is only stored where someone can look: before a possible fault (the handler of
      // the exception reads instrStart), before a branch, and before the block returns.
      n++;
      if (endsBlock(c, op)) {
        lines.push(`c.rip = ${next};`, special.code);
        for (const [name, value] of special.sets ?? []) known.set(name, value);
        lastNext = -1;
        break;
      }
      if (special.writesMemory || special.mayFault) lines.push(`c.instrStart = ${rip};`);
      lines.push(special.code);
      for (const [name, value] of special.sets ?? []) known.set(name, value);
      if (special.writesMemory) lines.push(`if (dc.invalidations !== inv) { c.rip = ${next}; return ${n}; }`);
      lastNext = next;
      rip = next;
      continue;
    }
    lastNext = -1;
    const h = handlers.indexOf(HANDLERS[op]) >= 0 ? handlers.indexOf(HANDLERS[op]) : handlers.push(HANDLERS[op]) - 1;
    // Decoded fields: stored only when they differ from what an earlier instruction of this
    // block left there (handlers never write them; specialized forms touch none of them).
    const f: string[] = [`c.instrStart = ${rip}; c.nextRip = ${next};`];
    const set = (name: string, value: number | boolean): void => {
      if (known.get(name) !== value) { f.push(`c.${name} = ${value};`); known.set(name, value); }
    };
    set('opcode', op); set('opSize', c.opSize); set('adSize', c.adSize); set('rex', c.rex);
    set('segOverride', c.segOverride); set('repPrefix', c.repPrefix); set('simdPrefix', c.simdPrefix); set('lock', c.lock);
    set('modrm', c.modrm); set('mod', c.mod); set('regG', c.regG); set('regE', c.regE);
    set('immLo', c.immLo); set('immHi', c.immHi); set('imm2', c.imm2);
    if (c.eaKind !== EA_NONE) { set('eaSeg', c.eaSeg); set('eaBase', c.eaKind === EA_RIPREL ? -1 : c.eaBase); }
    lines.push(f.join(' '));
    if (c.eaKind === EA_32) {
      lines.push(`ea32(c, ${c.eaBase}, ${c.eaIndex}, ${c.eaScale}, ${c.eaDisp});`);
    } else if (c.eaKind === EA_16) {
      lines.push(`ea16(c, ${c.eaBase}, ${c.eaDisp});`);
    } else if (c.eaKind === EA_RIPREL) {
      lines.push(`c.eaLo = ${c.eaLo}; c.eaHi = ${c.eaHi};`);
    }
    n++;
    lines.push(`c.rip = ${next}; h${h}(c);`);
    if (endsBlock(c, op)) break;
    lines.push(`if (c.rip !== ${next} || dc.invalidations !== inv) return ${n};`);
    rip = next;
  }
  if (n === 0) return null;
  if (lastNext !== -1) lines.push(`c.rip = ${lastNext};`);
  lines.push(`return ${n};`);
  const params = handlers.map((_, i) => `h${i}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...params, 'ea32', 'ea16', 'dc', 'alu', 'incDec', 'r32', 'r64', 'w32', 'w64', 'tc', 'sh', 'im',
    `return function block(c) {\n${lines.join('\n')}\n};`);
  return factory(...handlers, computeEA32, computeEA16, c.dcache, alu, incDec, read32, read64, write32, write64, testCondition, shiftE, imul3) as BlockFn;
}

/**
 * Execute from c.rip: a compiled block when one exists for this address (compiling it once
 * the address is hot), else one interpreted instruction. Returns instructions executed.
 */
export function runBlockOrStep(c: Cpu, step: (c: Cpu) => void): number {
  const start = c.rip;
  if (start >= c.fetchRipLo && start < c.fetchRipEnd) {
    const hpa = c.fetchHpa + (start - c.fetchRipLo);
    const dc = c.dcache;
    const i = hpa & DC_MASK;
    const tag = hpa * 4 + c.modeKey + 1;
    const fn = dc.block[i] as BlockFn | null;
    if (fn !== null && dc.blockTag[i] === tag && dc.blockRip[i] === start) return fn(c);
    if (++dc.heat[i] >= dc.hotThreshold) {
      dc.heat[i] = 0;
      const compiled = compileBlock(c);
      c.rip = start;
      if (compiled !== null) {
        dc.block[i] = compiled as never;
        dc.blockTag[i] = tag;
        dc.blockRip[i] = start;
        dc.blocksCompiled++;
        dc.noteBlock(i);
        c.mem.codePage[hpa >>> 12] = 1;
        return compiled(c);
      }
    }
  }
  step(c);
  return 1;
}
