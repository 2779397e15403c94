// String instructions MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE (APM Vol.3 1.2.7,
// and each instruction). rSI/rDI/rCX have the address size; the source segment may be
// overridden, the destination is always ES. A REP instruction runs at most REP_MAX
// elements per step, then restarts itself (RIP = instrStart) so that interrupts and
// the time slice can intervene; registers always hold the progress, so a fault in the
// middle leaves them as after the completed elements.
import type { Cpu } from '../cpu';
import { lazyZF } from '../flags';
import { readMem, writeMem } from '../mmu';
import { readReg, writeReg } from '../operands';
import { alu, ALU_CMP } from './alu';
import { movsFast, stosFast } from './string-fast';
import { DF, DS, ES, RAX, RCX, RDI, RSI } from '../regs';

export const REP_MAX = 4096;

function srcSeg(c: Cpu): number {
  return c.segOverride >= 0 ? c.segOverride : DS;
}
function idxLo(c: Cpu, r: number): number {
  return c.adSize === 2 ? c.gpr[r << 1] & 0xffff : c.gpr[r << 1];
}
function idxHi(c: Cpu, r: number): number {
  return c.adSize === 8 ? c.gpr[(r << 1) | 1] : 0;
}
/** Move index register r by one element (direction from DF). */
function step(c: Cpu, r: number, s: number): void {
  const d = (c.flags & DF) !== 0 ? -s : s;
  const g = c.gpr, i = r << 1;
  const w = c.adSize;
  if (w === 8) {
    const v = (g[i] >>> 0) + d;
    g[i] = v | 0;
    if (v > 0xffffffff) g[i + 1] = (g[i + 1] + 1) | 0;
    else if (v < 0) g[i + 1] = (g[i + 1] - 1) | 0;
  } else if (w === 4) {
    g[i] = (g[i] + d) | 0;
    g[i + 1] = 0;
  } else g[i] = (g[i] & ~0xffff) | ((g[i] + d) & 0xffff);
}
function countZero(c: Cpu): boolean {
  const g = c.gpr, w = c.adSize;
  return w === 8 ? g[2] === 0 && g[3] === 0 : w === 4 ? g[2] === 0 : (g[2] & 0xffff) === 0;
}
function decCount(c: Cpu): void {
  const g = c.gpr, w = c.adSize;
  if (w === 8) {
    if (g[2] === 0) g[3] = (g[3] - 1) | 0;
    g[2] = (g[2] - 1) | 0;
  } else if (w === 4) {
    g[2] = (g[2] - 1) | 0;
    g[3] = 0;
  } else g[2] = (g[2] & ~0xffff) | ((g[2] - 1) & 0xffff);
}

/**
 * REP with a zero 32-bit count in 64-bit mode: the processor still writes ECX, and for
 * MOVS/STOS the index registers, zero-extending them (as observed on hardware).
 */
function emptyRepA32(c: Cpu, si: boolean, di: boolean): void {
  if (c.adSize !== 4 || !countZero(c)) return;
  const g = c.gpr;
  g[(RCX << 1) | 1] = 0;
  if (si) g[(RSI << 1) | 1] = 0;
  if (di) g[(RDI << 1) | 1] = 0;
}

function movsOne(c: Cpu, s: number, seg: number): void {
  const lo = readMem(c, s, seg, idxLo(c, RSI), idxHi(c, RSI)), hi = c.tHi;
  writeMem(c, s, ES, idxLo(c, RDI), idxHi(c, RDI), lo, hi);
  step(c, RSI, s);
  step(c, RDI, s);
}
function stosOne(c: Cpu, s: number): void {
  writeMem(c, s, ES, idxLo(c, RDI), idxHi(c, RDI), c.gpr[0], c.gpr[1]);
  step(c, RDI, s);
}
function lodsOne(c: Cpu, s: number, seg: number): void {
  const lo = readMem(c, s, seg, idxLo(c, RSI), idxHi(c, RSI));
  writeReg(c, s, RAX, lo, c.tHi);
  step(c, RSI, s);
}
function cmpsOne(c: Cpu, s: number, seg: number): void {
  const aLo = readMem(c, s, seg, idxLo(c, RSI), idxHi(c, RSI)), aHi = c.tHi;
  const bLo = readMem(c, s, ES, idxLo(c, RDI), idxHi(c, RDI)), bHi = c.tHi;
  alu(c, ALU_CMP, s, aLo, aHi, bLo, bHi);
  step(c, RSI, s);
  step(c, RDI, s);
}
function scasOne(c: Cpu, s: number): void {
  const aLo = readReg(c, s, RAX), aHi = c.tHi;
  const bLo = readMem(c, s, ES, idxLo(c, RDI), idxHi(c, RDI)), bHi = c.tHi;
  alu(c, ALU_CMP, s, aLo, aHi, bLo, bHi);
  step(c, RDI, s);
}

export function movs(c: Cpu, s: number): void {
  const seg = srcSeg(c);
  if (c.repPrefix === 0) return movsOne(c, s, seg);
  emptyRepA32(c, true, true);
  const back = (c.flags & DF) !== 0;
  let n = REP_MAX;
  while (!countZero(c)) {
    if (n === 0) { c.rip = c.instrStart; return; }
    if (n > 1) {
      const k = movsFast(c, s, seg, n, back);
      if (k > 0) { n -= k; continue; }
    }
    movsOne(c, s, seg);
    decCount(c);
    n--;
  }
}
export function stos(c: Cpu, s: number): void {
  if (c.repPrefix === 0) return stosOne(c, s);
  emptyRepA32(c, false, true);
  const back = (c.flags & DF) !== 0;
  let n = REP_MAX;
  while (!countZero(c)) {
    if (n === 0) { c.rip = c.instrStart; return; }
    if (n > 1) {
      const k = stosFast(c, s, n, back);
      if (k > 0) { n -= k; continue; }
    }
    stosOne(c, s);
    decCount(c);
    n--;
  }
}
export function lods(c: Cpu, s: number): void {
  const seg = srcSeg(c);
  if (c.repPrefix === 0) return lodsOne(c, s, seg);
  emptyRepA32(c, false, false);
  for (let n = REP_MAX; !countZero(c); n--) {
    if (n === 0) { c.rip = c.instrStart; return; }
    lodsOne(c, s, seg);
    decCount(c);
  }
}
/** CMPS/SCAS under REPE (F3: while equal) or REPNE (F2: while not equal). */
export function cmps(c: Cpu, s: number): void {
  const seg = srcSeg(c);
  const rep = c.repPrefix;
  if (rep === 0) return cmpsOne(c, s, seg);
  emptyRepA32(c, false, false);
  for (let n = REP_MAX; !countZero(c); n--) {
    if (n === 0) { c.rip = c.instrStart; return; }
    cmpsOne(c, s, seg);
    decCount(c);
    if (lazyZF(c) !== (rep === 0xf3)) return;
  }
}
export function scas(c: Cpu, s: number): void {
  const rep = c.repPrefix;
  if (rep === 0) return scasOne(c, s);
  emptyRepA32(c, false, false);
  for (let n = REP_MAX; !countZero(c); n--) {
    if (n === 0) { c.rip = c.instrStart; return; }
    scasOne(c, s);
    decCount(c);
    if (lazyZF(c) !== (rep === 0xf3)) return;
  }
}
