// Segment register instructions: MOV Sreg,Ew / MOV Ew,Sreg, PUSH/POP Sreg, LES LDS LSS
// LFS LGS (APM Vol.3 MOV(Sreg), PUSH, POP, LxS).
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';
import { adjustSp, peek, push, readE, writeE, writeG } from '../operands';
import { read16, readMem } from '../mmu';
import { def, OP_0F } from '../isa/table';
import { CS, DS, ES, FS, GS, SS } from '../regs';
import { loadSegment } from './segments';

/** MOV Sreg, Ew: CS is not loadable; MOV SS inhibits interrupts for one instruction. */
function movSregEw(c: Cpu): void {
  const s = (c.modrm >> 3) & 7;
  if (s === CS || s > GS) raiseUD(c);
  const sel = readE(c, 2);
  loadSegment(c, s, sel);
  if (s === SS) c.intShadow = true;
}
/** MOV Ew, Sreg: a register destination takes the operand size (zero-extended), memory 16 bits. */
function movEwSreg(c: Cpu): void {
  const s = (c.modrm >> 3) & 7;
  if (s > GS) raiseUD(c);
  const sel = c.segSel[s];
  if (c.mod === 3) writeE(c, c.opSize, sel, 0);
  else writeE(c, 2, sel, 0);
}
function pushSreg(c: Cpu, s: number): void {
  push(c, c.opSize, c.segSel[s], 0);
}
/** POP Sreg: load first, move RSP only if the load succeeded. */
function popSreg(c: Cpu, s: number): void {
  const sel = peek(c, c.opSize, 0) & 0xffff;
  loadSegment(c, s, sel);
  adjustSp(c, c.opSize);
  if (s === SS) c.intShadow = true;
}
/** LxS Gv, Mp: offset of the operand size, then the selector. */
function loadFar(c: Cpu, s: number): void {
  if (c.mod === 3) raiseUD(c);
  const size = c.opSize;
  const off = readMem(c, size, c.eaSeg, c.eaLo, c.eaHi);
  const offHi = c.tHi;
  const a = (c.eaLo >>> 0) + size;
  const selLo = c.adSize === 2 ? a & 0xffff : a | 0;
  const selHi = c.adSize === 8 && a > 0xffffffff ? (c.eaHi + 1) | 0 : c.eaHi;
  const sel = read16(c, c.eaSeg, selLo, selHi);
  loadSegment(c, s, sel);
  writeG(c, size, off, size === 8 ? offHi : 0);
  if (s === SS) c.intShadow = true;
}

export function registerSegOps(): void {
  def(0x8e, 'movSwEw', { modrm: true }, movSregEw);
  def(0x8c, 'movEwSw', { modrm: true }, movEwSreg);
  def(0x06, 'pushES', { inv64: true }, (c) => pushSreg(c, ES));
  def(0x0e, 'pushCS', { inv64: true }, (c) => pushSreg(c, CS));
  def(0x16, 'pushSS', { inv64: true }, (c) => pushSreg(c, SS));
  def(0x1e, 'pushDS', { inv64: true }, (c) => pushSreg(c, DS));
  def(0x07, 'popES', { inv64: true }, (c) => popSreg(c, ES));
  def(0x17, 'popSS', { inv64: true }, (c) => popSreg(c, SS));
  def(0x1f, 'popDS', { inv64: true }, (c) => popSreg(c, DS));
  def(OP_0F | 0xa0, 'pushFS', { def64: true }, (c) => pushSreg(c, FS));
  def(OP_0F | 0xa8, 'pushGS', { def64: true }, (c) => pushSreg(c, GS));
  def(OP_0F | 0xa1, 'popFS', { def64: true }, (c) => popSreg(c, FS));
  def(OP_0F | 0xa9, 'popGS', { def64: true }, (c) => popSreg(c, GS));
  def(0xc4, 'lesGzMp', { modrm: true, inv64: true }, (c) => loadFar(c, ES));
  def(0xc5, 'ldsGzMp', { modrm: true, inv64: true }, (c) => loadFar(c, DS));
  def(OP_0F | 0xb2, 'lssGvMp', { modrm: true }, (c) => loadFar(c, SS));
  def(OP_0F | 0xb4, 'lfsGvMp', { modrm: true }, (c) => loadFar(c, FS));
  def(OP_0F | 0xb5, 'lgsGvMp', { modrm: true }, (c) => loadFar(c, GS));
}
