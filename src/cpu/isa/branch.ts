// Near control transfer: Jcc, JMP, CALL, RET (APM Vol.3 JMP, CALL, RET, Jcc), and the
// FF group (INC/DEC/CALL/JMP/PUSH Ev). Far forms go to system/far.ts.
import type { Cpu } from '../cpu';
import { testCondition } from '../flags';
import { raiseGP, raiseUD } from '../exceptions';
import { adjustSp, pop, push, readE, writeE } from '../operands';
import { read16, read32, read64 } from '../mmu';
import { def, defRange, IMM_B, IMM_W, IMM_Z, OP_0F } from './table';
import { incDec } from './alu';
import { farCall, farJump } from '../system/far';
import { CS } from '../regs';

const TWO32 = 0x100000000;

/** RIP as a (lo, hi) pair: lo returned, hi in c.tHi. */
export function ripPair(c: Cpu, rip: number): number {
  c.tHi = Math.floor(rip / TWO32) | 0;
  return rip | 0;
}
/** Signed canonical RIP from a (lo, hi) pair; #GP if non-canonical (64-bit mode). */
export function ripFromPair(c: Cpu, lo: number, hi: number): number {
  if ((hi << 16) >> 16 !== hi) raiseGP(c, 0);
  return hi * TWO32 + (lo >>> 0);
}

/** Set RIP to an absolute target of operand size `size` (APM Vol.3 JMP near). */
export function jumpTo(c: Cpu, target: number, size: number): void {
  if (c.mode64 && size === 8) {
    if (target < -0x800000000000 || target >= 0x800000000000) raiseGP(c, 0);
  } else {
    target = size === 2 ? target & 0xffff : target >>> 0;
    if (!c.mode64 && target > c.segLimit[CS] >>> 0) raiseGP(c, 0);
  }
  c.rip = target;
}
/** Relative branch: target = next RIP + displacement, in the operand size. */
function jumpRel(c: Cpu, disp: number): void {
  let t = c.rip + disp;
  if (c.mode64 && c.opSize !== 2) {
    if (t < -0x800000000000 || t >= 0x800000000000) raiseGP(c, 0);
    c.rip = t;
    return;
  }
  if (c.mode64) t = t & 0xffff; // 66h near branch in 64-bit mode (AMD: 16-bit IP)
  jumpTo(c, c.mode64 ? t : c.opSize === 2 ? t & 0xffff : t >>> 0, c.mode64 ? 2 : c.opSize);
}

/** Push the return address (next RIP) for a near CALL. */
function pushReturn(c: Cpu): void {
  const size = c.opSize;
  if (size === 8) {
    const lo = ripPair(c, c.rip);
    push(c, 8, lo, c.tHi);
  } else push(c, size, c.rip | 0, 0);
}

function popNear(c: Cpu, size: number): number {
  const lo = pop(c, size);
  if (size === 8) return ripFromPair(c, lo, c.tHi);
  return size === 4 ? lo >>> 0 : lo & 0xffff;
}

/** Read Ev as a branch target of `size`. */
function readTarget(c: Cpu, size: number): number {
  const lo = readE(c, size);
  if (size === 8) return ripFromPair(c, lo, c.tHi);
  return size === 4 ? lo >>> 0 : lo & 0xffff;
}

export function registerBranch(): void {
  defRange(0x70, 16, 'jccJb', { imm: IMM_B, def64: true }, (c) => {
    if (testCondition(c, c.opcode & 15)) jumpRel(c, (c.immLo << 24) >> 24);
  });
  defRange(OP_0F | 0x80, 16, 'jccJz', { imm: IMM_Z, def64: true }, (c) => {
    if (testCondition(c, c.opcode & 15)) jumpRel(c, c.opSize === 2 ? (c.immLo << 16) >> 16 : c.immLo);
  });
  def(0xeb, 'jmpJb', { imm: IMM_B, def64: true }, (c) => jumpRel(c, (c.immLo << 24) >> 24));
  def(0xe9, 'jmpJz', { imm: IMM_Z, def64: true }, (c) => jumpRel(c, c.opSize === 2 ? (c.immLo << 16) >> 16 : c.immLo));
  def(0xe8, 'callJz', { imm: IMM_Z, def64: true }, (c) => {
    const disp = c.opSize === 2 ? (c.immLo << 16) >> 16 : c.immLo;
    const from = c.rip;
    // Check the target before pushing so a bad target leaves the stack untouched.
    jumpRel(c, disp);
    const to = c.rip;
    c.rip = from;
    pushReturn(c);
    c.rip = to;
  });
  def(0xc3, 'retNear', { def64: true }, (c) => jumpTo(c, popNear(c, c.opSize), c.opSize));
  def(0xc2, 'retNearIw', { imm: IMM_W, def64: true }, (c) => {
    const t = popNear(c, c.opSize);
    jumpTo(c, t, c.opSize);
    adjustSp(c, c.immLo);
  });
  def(0xfe, 'grp4', { modrm: true }, (c) => {
    const r = (c.modrm >> 3) & 7;
    if (r > 1) raiseUD(c);
    writeE(c, 1, incDec(c, 1, readE(c, 1), 0, r === 1), 0);
  });
  def(0xff, 'grp5', { modrm: true }, (c) => {
    const r = (c.modrm >> 3) & 7;
    const size = c.opSize;
    switch (r) {
      case 0: case 1: {
        const aLo = readE(c, size), aHi = c.tHi;
        const lo = incDec(c, size, aLo, aHi, r === 1);
        writeE(c, size, lo, c.tHi);
        break;
      }
      case 2: { // CALL near Ev: 64-bit operand by default in 64-bit mode
        const s = c.mode64 && size === 4 ? 8 : size;
        c.opSize = s;
        const t = readTarget(c, s);
        const from = c.rip;
        jumpTo(c, t, s);
        const to = c.rip;
        c.rip = from;
        pushReturn(c);
        c.rip = to;
        break;
      }
      case 4: {
        const s = c.mode64 && size === 4 ? 8 : size;
        jumpTo(c, readTarget(c, s), s);
        break;
      }
      case 3: case 5: { // far CALL/JMP Mp: offset then 16-bit selector
        if (c.mod === 3) raiseUD(c);
        const offLo = size === 8 ? read64(c, c.eaSeg, c.eaLo, c.eaHi) : size === 4 ? read32(c, c.eaSeg, c.eaLo, c.eaHi) : read16(c, c.eaSeg, c.eaLo, c.eaHi);
        const offHi = size === 8 ? c.tHi : 0;
        const selAddr = (c.eaLo >>> 0) + size;
        const sel = read16(c, c.eaSeg, selAddr | 0, selAddr > 0xffffffff ? (c.eaHi + 1) | 0 : c.eaHi);
        if (r === 3) farCall(c, sel, offLo, offHi, size);
        else farJump(c, sel, offLo, offHi, size);
        break;
      }
      case 6: {
        const s = c.mode64 && size === 4 ? 8 : size;
        const lo = readE(c, s);
        push(c, s, lo, c.tHi);
        break;
      }
      default: raiseUD(c);
    }
  });
}
