// Interrupt-related instructions: INT n, INT3, INTO, INT1/ICEBP, HLT, CLI, STI, PUSHF,
// POPF (APM Vol.3; intercepts svm.md 3.1/3.2: SWINT 75h, ICEBP 88h, HLT 78h, PUSHF 70h, POPF 71h).
import type { Cpu } from '../cpu';
import { checkIntercept, raise, raiseGP, raiseSoftware } from '../exceptions';
import { lazyOF, materializeFlags, readFlags } from '../flags';
import { adjustSp, peek, push } from '../operands';
import { def, IMM_B } from '../isa/table';
import { AC, AF, CF, DB, DF, ID, IF, IOPL, NT, OF, PF, RF, SF, TF, VM, ZF } from '../regs';
import { iret } from './iret';
import { SvmExit } from '../svm/exit-codes';


function iopl(c: Cpu): number {
  return (c.flags & IOPL) >>> 12;
}

/** INT n: virtual-8086 needs IOPL 3 (no VME); the gate DPL check happens at delivery. */
function intIb(c: Cpu): void {
  if (c.v86 && iopl(c) < 3) raiseGP(c, 0);
  checkIntercept(c, SvmExit.SWINT, c.immLo & 0xff);
  raiseSoftware(c, c.immLo & 0xff);
}
/** INT1 (ICEBP): a #DB trap without the gate DPL check; reported from the next instruction. */
function int1(c: Cpu): void {
  checkIntercept(c, SvmExit.ICEBP);
  c.instrStart = c.rip;
  raise(c, DB, 0, false);
}
/** HLT: CPL 0 only; stops until the next interrupt. */
function hlt(c: Cpu): void {
  if (c.protectedMode && c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, SvmExit.HLT);
  c.halted = true;
}
/** CLI/STI: allowed when CPL <= IOPL (virtual-8086: IOPL 3); STI delays interrupts by one instruction. */
function cliSti(c: Cpu, set: boolean): void {
  if (c.protectedMode && (c.v86 ? iopl(c) < 3 : c.cpl > iopl(c))) raiseGP(c, 0);
  if (!set) { c.flags &= ~IF; return; }
  if ((c.flags & IF) === 0) {
    c.flags |= IF;
    c.intShadow = true;
  }
}
/** PUSHF: the image has VM and RF clear. */
function pushf(c: Cpu): void {
  if (c.v86 && iopl(c) < 3) raiseGP(c, 0);
  checkIntercept(c, SvmExit.PUSHF);
  push(c, c.opSize, readFlags(c) & ~(VM | RF), 0);
}
const POPF_BASE = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
/** POPF: IOPL changes only at CPL 0, IF only when CPL <= IOPL; VM, VIF, VIP, RF never (APM Vol.3 POPF). */
function popf(c: Cpu): void {
  if (c.v86 && iopl(c) < 3) raiseGP(c, 0);
  checkIntercept(c, SvmExit.POPF);
  const size = c.opSize;
  const v = peek(c, size, 0);
  adjustSp(c, size);
  materializeFlags(c);
  let mask = POPF_BASE;
  if (!c.protectedMode || c.cpl === 0) mask |= IOPL | IF;
  else if (c.cpl <= iopl(c)) mask |= IF;
  if (c.v86) mask = (mask | IF) & ~IOPL;
  if (size === 2) mask &= 0xffff;
  c.flags = (c.flags & ~mask & ~RF) | (v & mask) | 2;
}

export function registerFlagOps(): void {
  def(0xcd, 'intIb', { imm: IMM_B }, intIb);
  def(0xcc, 'int3', {}, (c) => raiseSoftware(c, 3));
  def(0xce, 'into', { inv64: true }, (c) => { if (lazyOF(c)) raiseSoftware(c, 4); });
  def(0xf1, 'int1', {}, int1);
  def(0xcf, 'iret', {}, iret);
  def(0xf4, 'hlt', {}, hlt);
  def(0xfa, 'cli', {}, (c) => cliSti(c, false));
  def(0xfb, 'sti', {}, (c) => cliSti(c, true));
  def(0x9c, 'pushfFv', { def64: true }, pushf);
  def(0x9d, 'popfFv', { def64: true }, popf);
}
