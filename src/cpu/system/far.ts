// Far control transfers (APM Vol.2 4.8-4.11; Vol.3 JMP/CALL/RET far): direct to code
// segments, through call gates (64-bit gates in long mode, 286/386 gates in legacy
// mode, with the stack switch of a more-privileged CALL), far RET to the same or an
// outer level. Task gates and TSS targets: TASK_SWITCH intercept, else #GP (no
// hardware task switching).
import type { Cpu } from '../cpu';
import { intercepted, vmexit, raiseGP, raiseNP, raiseSS, raiseTS } from '../exceptions';
import { adjustSp, peek, push } from '../operands';
import { resetFetch, setCpl } from '../mmu';
import { ATTR_DB, ATTR_L, ATTR_P, ATTR_S, CS, EFER_LMA, GP, RSP, SS, TS } from '../regs';
import {
  descAttr, descHi, descLimit, descUpper3, loadFromDescriptor, loadSegmentRaw, loadSegmentReal,
  nullInaccessibleSegments, readDescriptor, readDescriptorUpper, setAccessed,
} from './segments';
import { readTss, readTss64, rollback, snapshot, tss32, tssHi } from './transfer';
import { SvmExit } from '../svm/exit-codes';

const TWO32 = 0x100000000;
/** EXITINFO2 high-dword bits of TASK_SWITCH (svm.md 6.3): 36 IRET, 38 JMP. */
export const TS_IRET = 1 << 4, TS_JMP = 1 << 6;

/** Target RIP checked by checkOffset. */
let targetRip = 0;

/** A new CS:offset: 64-bit code takes a canonical offset, other code an offset within the limit (#GP(0)). */
export function checkOffset(c: Cpu, attr: number, limit: number, offLo: number, offHi: number, size: number): number {
  if ((c.efer & EFER_LMA) !== 0 && (attr & ATTR_L) !== 0) {
    if (size === 8) {
      if ((offHi << 16) >> 16 !== offHi) raiseGP(c, 0);
      targetRip = offHi * TWO32 + (offLo >>> 0);
    } else targetRip = size === 2 ? offLo & 0xffff : offLo >>> 0;
  } else {
    const o = size === 2 ? offLo & 0xffff : offLo >>> 0;
    if (o > limit >>> 0) raiseGP(c, 0);
    targetRip = o;
  }
  return targetRip;
}

/** Load CS from a validated descriptor at privilege `cpl`. */
export function loadCode(c: Cpu, sel: number, lo: number, hi: number, cpl: number): void {
  loadFromDescriptor(c, CS, (sel & 0xfffc) | cpl, lo, hi);
  setCpl(c, cpl);
  resetFetch(c);
}

/** Code-segment checks of a direct far JMP/CALL (APM Vol.2 4.11.1). */
function directCodeChecks(c: Cpu, sel: number, a: number): void {
  const dpl = (a >> 5) & 3, err = sel & 0xfffc;
  if ((a & 0x18) !== 0x18) raiseGP(c, err);
  if ((a & 4) !== 0) { if (dpl > c.cpl) raiseGP(c, err); }
  else if ((sel & 3) > c.cpl || dpl !== c.cpl) raiseGP(c, err);
  if ((c.efer & EFER_LMA) !== 0 && (a & ATTR_L) !== 0 && (a & ATTR_DB) !== 0) raiseGP(c, err);
  if ((a & ATTR_P) === 0) raiseNP(c, err);
}

/** Push CS and the return RIP (size bytes each); RSP is restored if a push faults. */
function pushReturn(c: Cpu, size: number): void {
  const sLo = c.gpr[RSP << 1], sHi = c.gpr[(RSP << 1) | 1];
  try {
    push(c, size, c.segSel[CS], 0);
    push(c, size, c.rip | 0, size === 8 ? Math.floor(c.rip / TWO32) | 0 : 0);
  } catch (e) {
    c.gpr[RSP << 1] = sLo; c.gpr[(RSP << 1) | 1] = sHi;
    throw e;
  }
}

/** Task gate or TSS as a target: exit if TASK_SWITCH is intercepted, else #GP (task switches are not modelled). */
export function taskSwitch(c: Cpu, sel: number, info2Hi: number, errorCode = 0): never {
  if (intercepted(c, SvmExit.TASK_SWITCH)) {
    // An event being delivered through a task gate is reported in EXITINTINFO (as for NPF).
    c.exitIntInfo = c.deliveringEvent;
    c.exitIntInfoErr = c.deliveringErr;
    vmexit(c, SvmExit.TASK_SWITCH, sel & 0xffff, 0, errorCode, info2Hi);
  }
  return raiseGP(c, sel & 0xfffc);
}

function farTransfer(c: Cpu, sel: number, offLo: number, offHi: number, size: number, isCall: boolean): void {
  sel &= 0xffff;
  if (!c.protectedMode || c.v86) {
    const o = size === 2 ? offLo & 0xffff : offLo >>> 0;
    if (o > c.segLimit[CS] >>> 0) raiseGP(c, 0);
    if (isCall) pushReturn(c, size);
    loadSegmentReal(c, CS, sel);
    c.rip = o;
    resetFetch(c);
    return;
  }
  const err = sel & 0xfffc;
  if (err === 0) raiseGP(c, 0);
  const lo = readDescriptor(c, sel, GP), hi = descHi;
  const a = descAttr(hi);
  if ((a & ATTR_S) !== 0) {
    directCodeChecks(c, sel, a);
    const t = checkOffset(c, a, descLimit(lo, hi), offLo, offHi, size);
    if (isCall) pushReturn(c, size);
    setAccessed(c);
    loadCode(c, sel, lo, hi, c.cpl);
    c.rip = t;
    return;
  }
  const type = a & 0xf;
  const longMode = (c.efer & EFER_LMA) !== 0;
  if (type === 0xc || (!longMode && type === 4)) return callGate(c, sel, lo, hi, isCall);
  if (!longMode && (type === 5 || type === 1 || type === 9)) taskSwitch(c, sel, isCall ? 0 : TS_JMP);
  raiseGP(c, err);
}

const params = new Int32Array(32);

/** CALL/JMP through a call gate (APM Vol.2 4.11.2-4.11.3). */
function callGate(c: Cpu, sel: number, gLo: number, gHi: number, isCall: boolean): void {
  const err = sel & 0xfffc;
  const ga = descAttr(gHi);
  const gdpl = (ga >> 5) & 3;
  const longMode = (c.efer & EFER_LMA) !== 0;
  const is286 = (ga & 0xf) === 4;
  if (gdpl < c.cpl || gdpl < (sel & 3)) raiseGP(c, err);
  if ((ga & ATTR_P) === 0) raiseNP(c, err);
  const offLo = (gLo & 0xffff) | (is286 ? 0 : gHi & 0xffff0000);
  let offHi = 0;
  if (longMode) {
    offHi = readDescriptorUpper(c, sel);
    if ((descUpper3 & 0x1f00) !== 0) raiseGP(c, err);
  }
  const gsize = longMode ? 8 : is286 ? 2 : 4;
  const nParams = longMode ? 0 : gHi & 0x1f;
  const tsel = gLo >>> 16;
  const terr = tsel & 0xfffc;
  if (terr === 0) raiseGP(c, 0);
  const tlo = readDescriptor(c, tsel, GP), thi = descHi;
  const ta = descAttr(thi);
  const tdpl = (ta >> 5) & 3;
  if ((ta & 0x18) !== 0x18 || tdpl > c.cpl) raiseGP(c, terr);
  if (longMode && ((ta & ATTR_L) === 0 || (ta & ATTR_DB) !== 0)) raiseGP(c, terr);
  if (!isCall && (ta & 4) === 0 && tdpl !== c.cpl) raiseGP(c, terr);
  if ((ta & ATTR_P) === 0) raiseNP(c, terr);
  setAccessed(c);
  const newCpl = (ta & 4) !== 0 ? c.cpl : tdpl;
  const target = checkOffset(c, ta, descLimit(tlo, thi), offLo, offHi, gsize);
  if (!isCall || newCpl === c.cpl) {
    if (isCall) pushReturn(c, gsize);
    loadCode(c, tsel, tlo, thi, c.cpl);
    c.rip = target;
    return;
  }
  // More privileged: switch to the stack of the new level from the TSS.
  const oldSs = c.segSel[SS], oldSpLo = c.gpr[RSP << 1], oldSpHi = c.gpr[(RSP << 1) | 1];
  const retCs = c.segSel[CS], retLo = c.rip | 0, retHi = Math.floor(c.rip / TWO32) | 0;
  snapshot(c);
  try {
    if (longMode) {
      const spLo = readTss64(c, 4 + 8 * newCpl), spHi = tssHi;
      loadCode(c, tsel, tlo, thi, newCpl);
      loadSegmentRaw(c, SS, newCpl, 0, -1, nullSsAttr(newCpl));
      c.gpr[RSP << 1] = spLo; c.gpr[(RSP << 1) | 1] = spHi;
      push(c, 8, oldSs, 0); push(c, 8, oldSpLo, oldSpHi);
      push(c, 8, retCs, 0); push(c, 8, retLo, retHi);
    } else {
      const is32 = tss32(c);
      const newSp = is32 ? readTss(c, 4 + 8 * newCpl, 4) : readTss(c, 2 + 4 * newCpl, 2);
      const newSs = is32 ? readTss(c, 8 + 8 * newCpl, 2) : readTss(c, 4 + 4 * newCpl, 2);
      const slo = checkStackSegment(c, newSs, newCpl), shi = descHi;
      for (let i = 0; i < nParams; i++) params[i] = peek(c, gsize, i * gsize);
      loadFromDescriptor(c, SS, newSs, slo, shi);
      setCpl(c, newCpl);
      c.gpr[RSP << 1] = (c.segAttr[SS] & ATTR_DB) !== 0 ? newSp : (c.gpr[RSP << 1] & ~0xffff) | (newSp & 0xffff);
      c.gpr[(RSP << 1) | 1] = 0;
      push(c, gsize, oldSs, 0); push(c, gsize, oldSpLo, 0);
      for (let i = nParams - 1; i >= 0; i--) push(c, gsize, params[i], 0);
      push(c, gsize, retCs, 0); push(c, gsize, retLo, 0);
      loadCode(c, tsel, tlo, thi, newCpl);
    }
  } catch (e) {
    rollback(c);
    throw e;
  }
  c.rip = target;
}

/** Attributes of the null SS a long-mode privilege change loads (usable, RPL = new CPL). */
export function nullSsAttr(cpl: number): number {
  return 0x0c93 | (cpl << 5);
}

/** New inner stack segment from the TSS (APM Vol.2 4.11.3): #TS(sel) unless writable data with RPL = DPL = CPL; #SS if absent. */
export function checkStackSegment(c: Cpu, sel: number, cpl: number): number {
  const err = sel & 0xfffc;
  if (err === 0) raiseTS(c, 0);
  const lo = readDescriptor(c, sel, TS);
  const a = descAttr(descHi);
  if ((sel & 3) !== cpl || ((a >> 5) & 3) !== cpl || (a & 0x1a) !== 0x12) raiseTS(c, err);
  if ((a & ATTR_P) === 0) raiseSS(c, err);
  return lo;
}

/** JMP far to sel:offset (offset is (lo, hi); size = operand size). */
export function farJump(c: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  farTransfer(c, sel, offLo, offHi, size, false);
}
/** CALL far to sel:offset, pushing CS:RIP of the next instruction. */
export function farCall(c: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  farTransfer(c, sel, offLo, offHi, size, true);
}

/**
 * The code segment a far RET or IRET returns to (APM Vol.3 RET far, IRET): RPL >= CPL, a
 * code segment whose DPL fits the RPL (conforming: DPL <= RPL), not L and D together in long
 * mode, present. Returns the descriptor's low dword; the high one stays in descHi.
 */
export function checkReturnCs(c: Cpu, sel: number): number {
  const err = sel & 0xfffc, rpl = sel & 3;
  if (err === 0) raiseGP(c, 0);
  if (rpl < c.cpl) raiseGP(c, err);
  const lo = readDescriptor(c, sel, GP);
  const a = descAttr(descHi), dpl = (a >> 5) & 3;
  if ((a & 0x18) !== 0x18) raiseGP(c, err);
  if ((a & 4) !== 0 ? dpl > rpl : dpl !== rpl) raiseGP(c, err);
  if ((c.efer & EFER_LMA) !== 0 && (a & ATTR_L) !== 0 && (a & ATTR_DB) !== 0) raiseGP(c, err);
  if ((a & ATTR_P) === 0) raiseNP(c, err);
  return lo;
}

/** RET far [imm16] (APM Vol.3 RET far): same level, or outer level with SS:RSP from the stack. */
export function retFar(c: Cpu, imm: number): void {
  const size = c.opSize;
  const ipLo = peek(c, size, 0), ipHi = size === 8 ? c.tHi : 0;
  const sel = peek(c, size, size) & 0xffff;
  if (!c.protectedMode || c.v86) {
    const o = size === 2 ? ipLo & 0xffff : ipLo >>> 0;
    if (o > c.segLimit[CS] >>> 0) raiseGP(c, 0);
    adjustSp(c, 2 * size + imm);
    loadSegmentReal(c, CS, sel);
    c.rip = o;
    resetFetch(c);
    return;
  }
  const rpl = sel & 3;
  const lo = checkReturnCs(c, sel), hi = descHi;
  const a = descAttr(hi);
  const t = checkOffset(c, a, descLimit(lo, hi), ipLo, ipHi, size);
  if (rpl === c.cpl) {
    setAccessed(c);
    adjustSp(c, 2 * size + imm);
    loadCode(c, sel, lo, hi, rpl);
    c.rip = t;
    return;
  }
  const spLo = peek(c, size, 2 * size + imm), spHi = size === 8 ? c.tHi : 0;
  const ss = peek(c, size, 3 * size + imm) & 0xffff;
  loadOuterStack(c, ss, rpl, (a & ATTR_L) !== 0, lo, hi, sel);
  setOuterSp(c, size, spLo, spHi);
  adjustSp(c, imm);
  nullInaccessibleSegments(c);
  c.rip = t;
}

/**
 * Return to an outer level (RET far, IRET): validate SS for privilege `rpl` (#GP(sel), #SS
 * if absent; a null SS only for 64-bit code below CPL 3 in long mode), then load CS and SS.
 */
export function loadOuterStack(c: Cpu, ss: number, rpl: number, to64: boolean, cLo: number, cHi: number, cSel: number): void {
  const serr = ss & 0xfffc;
  if (serr === 0) {
    if ((c.efer & EFER_LMA) === 0 || !to64 || rpl === 3) raiseGP(c, 0);
    loadCode(c, cSel, cLo, cHi, rpl);
    loadSegmentRaw(c, SS, ss, 0, -1, nullSsAttr(rpl));
    return;
  }
  const slo = readDescriptor(c, ss, GP), shi = descHi;
  const sa = descAttr(shi);
  if ((ss & 3) !== rpl || ((sa >> 5) & 3) !== rpl || (sa & 0x1a) !== 0x12) raiseGP(c, serr);
  if ((sa & ATTR_P) === 0) raiseSS(c, serr);
  setAccessed(c);
  loadCode(c, cSel, cLo, cHi, rpl);
  loadFromDescriptor(c, SS, ss, slo, shi);
}
/** RSP from the outer frame: 64 bits, 32 bits (zero-extended), or SP merged. */
export function setOuterSp(c: Cpu, size: number, lo: number, hi: number): void {
  if (size === 8) { c.gpr[RSP << 1] = lo; c.gpr[(RSP << 1) | 1] = hi; }
  else if (size === 4) { c.gpr[RSP << 1] = lo; c.gpr[(RSP << 1) | 1] = 0; }
  else c.gpr[RSP << 1] = (c.gpr[RSP << 1] & ~0xffff) | (lo & 0xffff);
}
