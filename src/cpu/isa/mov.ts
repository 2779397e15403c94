// Data movement: MOV (88-8B, A0-A3, B0-BF, C6, C7), LEA, PUSH/POP r, XCHG, NOP/PAUSE,
// MOVSXD (APM Vol.3 MOV, LEA, PUSH, POP, XCHG, MOVSXD, NOP, PAUSE).
import type { Cpu } from '../cpu';
import { pop, push, readE, readG, readReg, writeE, writeG, writeReg } from '../operands';
import { readMem, writeMem } from '../mmu';
import { raiseUD, checkIntercept } from '../exceptions';
import { def, defRange, IMM_B, IMM_MOFFS, IMM_V, IMM_Z, OP_0F } from './table';
import { DS, RAX, ZF } from '../regs';
import { materializeFlags } from '../flags';
import { SvmExit } from '../svm/exit-codes';


function moffsSeg(c: Cpu): number {
  return c.segOverride >= 0 ? c.segOverride : DS;
}

export function registerMov(): void {
  def(0x88, 'movEbGb', { modrm: true }, (c) => writeE(c, 1, readG(c, 1), 0));
  def(0x89, 'movEvGv', { modrm: true }, (c) => { const lo = readG(c, c.opSize); writeE(c, c.opSize, lo, c.tHi); });
  def(0x8a, 'movGbEb', { modrm: true }, (c) => writeG(c, 1, readE(c, 1), 0));
  def(0x8b, 'movGvEv', { modrm: true }, (c) => { const lo = readE(c, c.opSize); writeG(c, c.opSize, lo, c.tHi); });
  def(0x8d, 'leaGvM', { modrm: true }, (c) => {
    if (c.mod === 3) raiseUD(c);
    writeG(c, c.opSize, c.opSize === 2 ? c.eaLo & 0xffff : c.eaLo, c.eaHi);
  });
  def(0xa0, 'movALOb', { imm: IMM_MOFFS }, (c) => writeReg(c, 1, RAX, readMem(c, 1, moffsSeg(c), c.immLo, c.immHi), 0));
  def(0xa1, 'movrAXOv', { imm: IMM_MOFFS }, (c) => {
    const lo = readMem(c, c.opSize, moffsSeg(c), c.immLo, c.immHi);
    writeReg(c, c.opSize, RAX, lo, c.tHi);
  });
  def(0xa2, 'movObAL', { imm: IMM_MOFFS }, (c) => writeMem(c, 1, moffsSeg(c), c.immLo, c.immHi, readReg(c, 1, RAX), 0));
  def(0xa3, 'movOvrAX', { imm: IMM_MOFFS }, (c) => {
    const lo = readReg(c, c.opSize, RAX);
    writeMem(c, c.opSize, moffsSeg(c), c.immLo, c.immHi, lo, c.tHi);
  });
  defRange(0xb0, 8, 'movZbIb', { imm: IMM_B }, (c) => writeReg(c, 1, (c.opcode & 7) | ((c.rex & 1) << 3), c.immLo, 0));
  defRange(0xb8, 8, 'movZvIv', { imm: IMM_V }, (c) => {
    writeReg(c, c.opSize, (c.opcode & 7) | ((c.rex & 1) << 3), c.immLo, c.immHi);
  });
  def(0xc6, 'movEbIb', { modrm: true, imm: IMM_B }, (c) => {
    if ((c.modrm & 0x38) !== 0) raiseUD(c);
    writeE(c, 1, c.immLo, 0);
  });
  def(0xc7, 'movEvIz', { modrm: true, imm: IMM_Z }, (c) => {
    if ((c.modrm & 0x38) !== 0) raiseUD(c);
    writeE(c, c.opSize, c.immLo, c.immHi);
  });
  defRange(0x50, 8, 'pushZv', { def64: true }, (c) => {
    const lo = readReg(c, c.opSize, (c.opcode & 7) | ((c.rex & 1) << 3));
    push(c, c.opSize, lo, c.tHi);
  });
  defRange(0x58, 8, 'popZv', { def64: true }, (c) => {
    const lo = pop(c, c.opSize);
    writeReg(c, c.opSize, (c.opcode & 7) | ((c.rex & 1) << 3), lo, c.tHi);
  });
  defRange(0x90, 8, 'xchgZvrAX', {}, (c) => {
    const r = (c.opcode & 7) | ((c.rex & 1) << 3);
    if (r === 0) {
      // 90: NOP (F3 90: PAUSE); 32-bit XCHG EAX,EAX would zero-extend, but 90 is defined as NOP.
      if (c.repPrefix === 0xf3) checkIntercept(c, SvmExit.PAUSE);
      return;
    }
    const s = c.opSize;
    const aLo = readReg(c, s, RAX), aHi = c.tHi;
    const bLo = readReg(c, s, r), bHi = c.tHi;
    writeReg(c, s, RAX, bLo, bHi);
    writeReg(c, s, r, aLo, aHi);
  });
  def(0x86, 'xchgEbGb', { modrm: true }, (c) => {
    const a = readE(c, 1), b = readG(c, 1);
    writeE(c, 1, b, 0);
    writeG(c, 1, a, 0);
  });
  def(0x87, 'xchgEvGv', { modrm: true }, (c) => {
    const s = c.opSize;
    const aLo = readE(c, s), aHi = c.tHi;
    const bLo = readG(c, s), bHi = c.tHi;
    writeE(c, s, bLo, bHi);
    writeG(c, s, aLo, aHi);
  });
  def(0x63, 'movsxdGvEd', { modrm: true }, (c) => {
    // 64-bit mode: MOVSXD. Legacy modes: ARPL (system group is not needed by Linux; #UD here in real mode).
    if (!c.mode64) return arpl(c);
    const v = readE(c, 4);
    if (c.opSize === 8) writeG(c, 8, v, v >> 31);
    else writeG(c, c.opSize, v, 0);
  });
  def(OP_0F | 0x1f, 'nopEv', { modrm: true }, () => {});
  // Hints that are NOPs to a CPU without caches to steer: PREFETCHh (0F 18), the reserved
  // hint-NOP space (0F 19-1E, ENDBR64 among them) and PREFETCH/PREFETCHW (0F 0D). APM Vol.3 PREFETCHlevel, NOP.
  def(OP_0F | 0x0d, 'prefetchwM', { modrm: true }, () => {});
  defRange(OP_0F | 0x18, 7, 'hintNopEv', { modrm: true }, () => {});
}

/** ARPL Ew, Gw (APM Vol.3): raise the RPL of a selector; protected mode only. */
function arpl(c: Cpu): void {
  if (!c.protectedMode || c.v86) raiseUD(c);
  const dst = readE(c, 2), src = readG(c, 2);
  materializeFlags(c);
  if ((dst & 3) < (src & 3)) {
    writeE(c, 2, (dst & ~3) | (src & 3), 0);
    c.flags |= ZF;
  } else c.flags &= ~ZF;
}
