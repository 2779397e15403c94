// Event delivery through the IDT (APM Vol.2 8.7-8.9): real-mode IVT, protected-mode
// interrupt/trap gates, long-mode 64-bit gates with IST. Owned by the system group.
import type { Cpu } from '../cpu';
import { raiseGP, raiseNP } from '../exceptions';
import { readSys, writeSys, setCpl, refreshAllSegments } from '../mmu';
import { readFlags, materializeFlags } from '../flags';
import { push } from '../operands';
import { AC, ATTR_DB, ATTR_L, ATTR_P, CS, DS, ES, FS, GP, GS, IF, NT, RF, RSP, SS, TF, VM } from '../regs';
import { descAttr, descHi, descLimit, loadFromDescriptor, loadSegmentRaw, readDescriptor, setAccessed } from './segments';
import { checkStackSegment, loadCode, nullSsAttr, taskSwitch } from './far';
import { readTss, readTss64, rollback, snapshot, tss32, tssHi } from './transfer';

/** Event kinds (EVENTINJ TYPE plus a software-exception distinction). */
export const EV_EXTERNAL = 0, EV_NMI = 2, EV_EXCEPTION = 3, EV_SOFT_INT = 4, EV_SOFT_EXC = 5;

const TWO32 = 0x100000000;

/**
 * Deliver `vector` now. c.rip must already hold the return address (the faulting
 * instruction for faults, the next one for traps and INTn).
 */
export function deliverEvent(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  if (!c.protectedMode) return deliverReal(c, vector);
  if ((c.efer & (1 << 10)) !== 0) return deliverLong(c, vector, kind, hasError, errorCode);
  return deliverProtected32(c, vector, kind, hasError, errorCode);
}

function idtError(vector: number, kind: number): number {
  return (vector << 3) | 2 | (kind === EV_EXTERNAL || kind === EV_NMI || kind === EV_EXCEPTION ? 1 : 0);
}

function deliverReal(c: Cpu, vector: number): void {
  if (vector * 4 + 3 > c.idtrLimit) raiseGP(c, 0);
  const base = c.idtrBaseLo;
  const ip = readSys(c, (base + vector * 4) | 0, 0, 2);
  const cs = readSys(c, (base + vector * 4 + 2) | 0, 0, 2);
  const f = readFlags(c);
  push16Real(c, f);
  push16Real(c, c.segSel[CS]);
  push16Real(c, c.rip);
  c.flags = f & ~(IF | TF | AC | RF);
  c.lop = 0;
  loadSegmentRaw(c, CS, cs, cs << 4, 0xffff, c.segAttr[CS]);
  c.rip = ip;
}
function push16Real(c: Cpu, v: number): void {
  const sp = (c.gpr[RSP << 1] - 2) & 0xffff;
  writeSys(c, (c.segBaseLo[SS] + sp) | 0, 0, 2, v & 0xffff);
  c.gpr[RSP << 1] = (c.gpr[RSP << 1] & ~0xffff) | sp;
}

export { readDescriptor, descHi };

/** Target code segment of a gate (APM Vol.2 8.7.3): code, DPL <= CPL, present. Returns the low dword (high in descHi). */
function gateTarget(c: Cpu, sel: number, ext: number, longMode: boolean): number {
  const err = sel & 0xfffc;
  if (err === 0) raiseGP(c, ext);
  const lo = readDescriptor(c, sel, GP);
  const a = descAttr(descHi);
  if ((a & 0x18) !== 0x18 || ((a >> 5) & 3) > c.cpl) raiseGP(c, err | ext);
  if (longMode && ((a & ATTR_L) === 0 || (a & ATTR_DB) !== 0)) raiseGP(c, err | ext);
  if ((a & ATTR_P) === 0) raiseNP(c, err | ext);
  setAccessed(c);
  return lo;
}

/** Long mode: 16-byte gates, 64-bit frame, IST, RSP aligned to 16 (APM Vol.2 8.9). */
function deliverLong(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  const soft = kind === EV_SOFT_INT || kind === EV_SOFT_EXC;
  const ierr = idtError(vector, kind);
  if (vector * 16 + 15 > c.idtrLimit >>> 0) raiseGP(c, ierr);
  const s = (c.idtrBaseLo >>> 0) + vector * 16;
  const bHi = s > 0xffffffff ? (c.idtrBaseHi + 1) | 0 : c.idtrBaseHi;
  const w0 = readSys(c, s | 0, bHi, 4), w1 = readSys(c, (s + 4) | 0, bHi, 4), w2 = readSys(c, (s + 8) | 0, bHi, 4);
  const type = (w1 >> 8) & 0x1f;
  if (type !== 0xe && type !== 0xf) raiseGP(c, ierr);
  if (soft && ((w1 >> 13) & 3) < c.cpl) raiseGP(c, ierr);
  if ((w1 & 0x8000) === 0) raiseNP(c, ierr);
  const sel = w0 >>> 16;
  const ext = ierr & 1;
  const dLo = gateTarget(c, sel, ext, true), dHi = descHi;
  const dAttr = descAttr(dHi);
  const newCpl = (dAttr & 4) !== 0 ? c.cpl : (dAttr >> 5) & 3;
  if ((w2 << 16) >> 16 !== w2) raiseGP(c, ext);
  const ist = w1 & 7;
  const oldSs = c.segSel[SS], oldCs = c.segSel[CS];
  const oldRspLo = c.gpr[RSP << 1], oldRspHi = c.gpr[(RSP << 1) | 1];
  const ripLo = c.rip | 0, ripHi = Math.floor(c.rip / TWO32) | 0;
  let spLo = oldRspLo, spHi = oldRspHi;
  if (ist !== 0) { spLo = readTss64(c, 0x24 + 8 * (ist - 1)); spHi = tssHi; }
  else if (newCpl !== c.cpl) { spLo = readTss64(c, 4 + 8 * newCpl); spHi = tssHi; }
  const f = readFlags(c);
  const changeCpl = newCpl !== c.cpl;
  snapshot(c);
  try {
    loadCode(c, sel, dLo, dHi, newCpl);
    if (changeCpl) loadSegmentRaw(c, SS, newCpl, 0, -1, nullSsAttr(newCpl));
    c.gpr[RSP << 1] = spLo & ~15; c.gpr[(RSP << 1) | 1] = spHi;
    push(c, 8, oldSs, 0);
    push(c, 8, oldRspLo, oldRspHi);
    push(c, 8, f, 0);
    push(c, 8, oldCs, 0);
    push(c, 8, ripLo, ripHi);
    if (hasError) push(c, 8, errorCode, 0);
  } catch (e) {
    rollback(c);
    throw e;
  }
  materializeFlags(c);
  c.flags &= ~(TF | NT | RF | VM | (type === 0xe ? IF : 0));
  c.rip = w2 * TWO32 + (((w0 & 0xffff) | (w1 & 0xffff0000)) >>> 0);
}

/**
 * Legacy protected mode: 8-byte interrupt/trap gates (16- or 32-bit), stack switch from
 * the TSS on a privilege change, and the frame of an interrupt out of virtual-8086 mode
 * (APM Vol.2 8.7, 8.8). Task gates: TASK_SWITCH intercept, else #GP.
 */
function deliverProtected32(c: Cpu, vector: number, kind: number, hasError: boolean, errorCode: number): void {
  const soft = kind === EV_SOFT_INT || kind === EV_SOFT_EXC;
  const ierr = idtError(vector, kind);
  const ext = ierr & 1;
  if (vector * 8 + 7 > c.idtrLimit >>> 0) raiseGP(c, ierr);
  const a = (c.idtrBaseLo + vector * 8) | 0;
  const w0 = readSys(c, a, 0, 4), w1 = readSys(c, (a + 4) | 0, 0, 4);
  const type = (w1 >> 8) & 0x1f;
  if (soft && ((w1 >> 13) & 3) < c.cpl) raiseGP(c, ierr);
  if (type === 5) {
    if ((w1 & 0x8000) === 0) raiseNP(c, ierr);
    taskSwitch(c, w0 >>> 16, hasError ? 1 << 12 : 0, hasError ? errorCode : 0);
  }
  if (type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) raiseGP(c, ierr);
  if ((w1 & 0x8000) === 0) raiseNP(c, ierr);
  const sel = w0 >>> 16;
  const gsize = type >= 0xe ? 4 : 2;
  const dLo = gateTarget(c, sel, ext, false), dHi = descHi;
  const dAttr = descAttr(dHi);
  const newCpl = (dAttr & 4) !== 0 ? c.cpl : (dAttr >> 5) & 3;
  const wasV86 = c.v86;
  if (wasV86 && newCpl !== 0) raiseGP(c, (sel & 0xfffc) | ext);
  const off = gsize === 4 ? ((w0 & 0xffff) | (w1 & 0xffff0000)) >>> 0 : w0 & 0xffff;
  if (off > descLimit(dLo, dHi) >>> 0) raiseGP(c, ext);
  const f = readFlags(c);
  const oldSs = c.segSel[SS], oldCs = c.segSel[CS], oldSp = c.gpr[RSP << 1];
  const eip = c.rip | 0;
  const changeCpl = newCpl !== c.cpl;
  snapshot(c);
  try {
    if (changeCpl) {
      const is32 = tss32(c);
      const newSp = is32 ? readTss(c, 4 + 8 * newCpl, 4) : readTss(c, 2 + 4 * newCpl, 2);
      const newSs = is32 ? readTss(c, 8 + 8 * newCpl, 2) : readTss(c, 4 + 4 * newCpl, 2);
      const sLo = checkStackSegment(c, newSs, newCpl), sHi = descHi;
      if (wasV86) { c.flags &= ~VM; c.updateMode(); }
      loadFromDescriptor(c, SS, newSs, sLo, sHi);
      setCpl(c, newCpl);
      c.gpr[RSP << 1] = (c.segAttr[SS] & ATTR_DB) !== 0 ? newSp : (oldSp & ~0xffff) | (newSp & 0xffff);
      if (wasV86) {
        push(c, gsize, c.segSel[GS], 0); push(c, gsize, c.segSel[FS], 0);
        push(c, gsize, c.segSel[DS], 0); push(c, gsize, c.segSel[ES], 0);
      }
      push(c, gsize, oldSs, 0);
      push(c, gsize, oldSp, 0);
    }
    push(c, gsize, f, 0);
    push(c, gsize, oldCs, 0);
    push(c, gsize, eip, 0);
    if (hasError) push(c, gsize, errorCode, 0);
    loadCode(c, sel, dLo, dHi, newCpl);
  } catch (e) {
    if (wasV86) c.flags |= VM;
    rollback(c);
    throw e;
  }
  if (wasV86) {
    for (let i = 0; i < 4; i++) loadSegmentRaw(c, V86_DATA_SEGS[i], 0, 0, 0, 0);
  }
  materializeFlags(c);
  c.flags &= ~(TF | NT | RF | VM | (type === 0xe || type === 6 ? IF : 0));
  c.updateMode();
  refreshAllSegments(c);
  c.rip = off;
}
const V86_DATA_SEGS = [ES, DS, FS, GS];
