// IRET/IRETD/IRETQ (APM Vol.3 IRET; Vol.2 8.7.5, 8.9.4): real mode, virtual-8086 with
// IOPL 3, protected mode to the same or an outer level, return to virtual-8086 mode,
// and long mode (which always pops SS:RSP). Nested-task returns (NT=1) take the
// TASK_SWITCH intercept or #GP.
import type { Cpu } from '../cpu';
import { checkIntercept, raiseGP } from '../exceptions';
import { materializeFlags } from '../flags';
import { adjustSp, peek } from '../operands';
import { resetFetch, setCpl } from '../mmu';
import {
  AC, AF, ATTR_L, CF, CS, DF, DS, EFER_LMA, ES, FS, GS, ID, IF, IOPL, NT, OF, PF, RF, RSP, SF, SS, TF, VIF, VIP, VM, ZF,
} from '../regs';
import { descAttr, descHi, descLimit, loadSegmentReal, nullInaccessibleSegments, setAccessed } from './segments';
import { checkOffset, checkReturnCs, loadCode, loadOuterStack, setOuterSp, taskSwitch, TS_IRET } from './far';
import { readTss } from './transfer';
import { SvmExit } from '../svm/exit-codes';

const BASE_MASK = CF | PF | AF | ZF | SF | TF | DF | OF | NT | RF | AC | ID;

/** Load RFLAGS from an IRET frame with the privilege rules (IF needs CPL <= IOPL, IOPL/VIF/VIP need CPL 0). */
function setIretFlags(c: Cpu, fl: number, size: number, cpl: number): void {
  materializeFlags(c);
  let mask = BASE_MASK;
  if (cpl <= ((c.flags & IOPL) >>> 12)) mask |= IF;
  if (cpl === 0) mask |= IOPL | VIF | VIP;
  if (size === 2) mask &= 0xffff;
  c.flags = (c.flags & ~mask) | (fl & mask) | 2;
}

function iretReal(c: Cpu, size: number): void {
  const ip = peek(c, size, 0), cs = peek(c, size, size) & 0xffff, fl = peek(c, size, 2 * size);
  const o = size === 2 ? ip & 0xffff : ip >>> 0;
  if (o > c.segLimit[CS] >>> 0) raiseGP(c, 0);
  adjustSp(c, 3 * size);
  loadSegmentReal(c, CS, cs);
  materializeFlags(c);
  // Real mode: every flag but VM/VIF/VIP; virtual-8086 (IOPL 3): IOPL stays too.
  let mask = BASE_MASK | IF | IOPL;
  if (c.v86) mask &= ~IOPL;
  if (size === 2) mask &= 0xffff;
  c.flags = (c.flags & ~mask) | (fl & mask) | 2;
  c.rip = o;
  resetFetch(c);
}

/** IRETD at CPL 0 with VM=1 in the image: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS. */
function iretToV86(c: Cpu, ip: number, cs: number, fl: number): void {
  const esp = peek(c, 4, 12), ss = peek(c, 4, 16) & 0xffff;
  const es = peek(c, 4, 20) & 0xffff, ds = peek(c, 4, 24) & 0xffff;
  const fs = peek(c, 4, 28) & 0xffff, gs = peek(c, 4, 32) & 0xffff;
  materializeFlags(c);
  c.flags = (fl & (BASE_MASK | IF | IOPL | VM | VIF | VIP)) | 2;
  c.updateMode();
  setCpl(c, 3);
  loadSegmentReal(c, CS, cs);
  loadSegmentReal(c, SS, ss);
  loadSegmentReal(c, ES, es);
  loadSegmentReal(c, DS, ds);
  loadSegmentReal(c, FS, fs);
  loadSegmentReal(c, GS, gs);
  c.gpr[RSP << 1] = esp;
  c.rip = ip & 0xffff;
  resetFetch(c);
}

export function iret(c: Cpu): void {
  checkIntercept(c, SvmExit.IRET);
  const size = c.opSize;
  if (!c.protectedMode) return iretReal(c, size);
  if (c.v86) {
    if ((c.flags & IOPL) !== IOPL) raiseGP(c, 0);
    return iretReal(c, size);
  }
  const longMode = (c.efer & EFER_LMA) !== 0;
  if ((c.flags & NT) !== 0) {
    if (longMode) raiseGP(c, 0);
    taskSwitch(c, readTss(c, 0, 2), TS_IRET);
  }
  const ipLo = peek(c, size, 0), ipHi = size === 8 ? c.tHi : 0;
  const sel = peek(c, size, size) & 0xffff;
  const fl = peek(c, size, 2 * size);
  if (!longMode && size === 4 && (fl & VM) !== 0 && c.cpl === 0) return iretToV86(c, ipLo, sel, fl);
  const rpl = sel & 3;
  const lo = checkReturnCs(c, sel), hi = descHi;
  const a = descAttr(hi);
  const t = checkOffset(c, a, descLimit(lo, hi), ipLo, ipHi, size);
  const cpl = c.cpl;
  if (rpl === cpl && !c.mode64) {
    setAccessed(c);
    adjustSp(c, 3 * size);
    loadCode(c, sel, lo, hi, rpl);
    setIretFlags(c, fl, size, cpl);
    c.rip = t;
    return;
  }
  // Outer level, or any IRET in 64-bit mode: SS:RSP come from the frame.
  const spLo = peek(c, size, 3 * size), spHi = size === 8 ? c.tHi : 0;
  const ss = peek(c, size, 4 * size) & 0xffff;
  loadOuterStack(c, ss, rpl, (a & ATTR_L) !== 0, lo, hi, sel);
  setOuterSp(c, size, spLo, spHi);
  setIretFlags(c, fl, size, cpl);
  c.updateMode();
  if (rpl > cpl) nullInaccessibleSegments(c);
  c.rip = t;
}
