// Interrupts and exceptions in guest mode: which event is taken between instructions
// (GIF, physical INTR, V_IRQ, the interrupt shadow: svm.md section 11), exception
// intercepts (exit 40h+vector), the double-fault rule and triple fault (APM Vol.2 8.2.9).
import type { Cpu } from './cpu';
import { FAULT, VMEXIT, intercepted, isContributory, vmexit } from './exceptions';
import { deliverEvent, EV_EXCEPTION, EV_EXTERNAL, EV_SOFT_EXC, EV_SOFT_INT } from './system/interrupts';
import { BP, DF_VEC, IF, OF_VEC, PF_VEC } from './regs';
import { SvmExit } from './svm/exit-codes';

const EVENT_VALID = 0x80000000 | 0;

/** Recompute whether anything may need attention between instructions. */
export function updatePending(c: Cpu): void {
  c.eventPending = c.physIntr || c.vIrq;
}

/**
 * Between instructions: take a physical INTR (exit) or a virtual interrupt (V_IRQ).
 * Returns true if an event was delivered (the loop re-checks before the next instruction).
 */
export function takePendingEvent(c: Cpu): boolean {
  if (!c.gif) return false;
  c.instrStart = c.rip;
  c.nextRip = c.rip;
  // Physical interrupts: masked by the host's IF when V_INTR_MASKING=1 (host IF is 1 while
  // the host runs a guest), else by the guest's IF.
  if (c.physIntr && (c.vIntrMasking || (c.flags & IF) !== 0)) {
    if (intercepted(c, SvmExit.INTR)) {
      c.physIntr = false;
      updatePending(c);
      vmexit(c, SvmExit.INTR, 0, 0, 0, 0);
    }
  }
  if (c.vIrq && (c.flags & IF) !== 0 && (c.vIgnTpr || (c.vIntrPrio & 0xf) > (c.vTpr & 0xf))) {
    if (intercepted(c, SvmExit.VINTR)) vmexit(c, SvmExit.VINTR, 0, 0, 0, 0);
    c.vIrq = false;
    c.halted = false;
    updatePending(c);
    deliverWithInfo(c, c.vIntrVector, EV_EXTERNAL, false, 0, c.vIntrVector | EVENT_VALID);
    return true;
  }
  return false;
}

/** Deliver an event, remembering it for EXITINTINFO should delivery itself exit. */
function deliverWithInfo(c: Cpu, vector: number, kind: number, hasErr: boolean, err: number, info: number): void {
  c.deliveringEvent = info;
  c.deliveringErr = err;
  deliverEvent(c, vector, kind, hasErr, err);
  c.deliveringEvent = 0;
}

function eventInfo(vector: number, kind: number, hasErr: boolean): number {
  const type = kind === EV_SOFT_EXC ? 3 : kind === EV_SOFT_INT ? 4 : kind;
  return vector | (type << 8) | (hasErr ? 1 << 11 : 0) | EVENT_VALID;
}

/**
 * The current instruction raised c.excVector. Exit if intercepted, else deliver through
 * the IDT; a fault during delivery becomes #DF, a fault during #DF a shutdown.
 * Returns normally when the guest continues; throws VMEXIT when it exits.
 */
export function dispatchException(c: Cpu): void {
  let first = -1;
  for (;;) {
    const v = c.excVector;
    const soft = c.excIsSoftware;
    const kind = soft ? (v === BP || v === OF_VEC ? EV_SOFT_EXC : EV_SOFT_INT) : EV_EXCEPTION;
    if (!soft) c.rip = c.instrStart; // faults restart the instruction
    if (kind !== EV_SOFT_INT && intercepted(c, SvmExit.EXCP_BASE + v)) {
      // svm.md 6: EXITINFO1 = error code, EXITINFO2 = faulting address for #PF (CR2 untouched).
      c.exitIntInfo = c.deliveringEvent;
      c.exitIntInfoErr = c.deliveringErr;
      vmexit(c, SvmExit.EXCP_BASE + v, c.excHasError ? c.excErrorCode : 0, 0,
        v === PF_VEC ? c.pfLinLo : 0, v === PF_VEC ? c.pfLinHi : 0);
    }
    if (v === PF_VEC) { c.cr2Lo = c.pfLinLo; c.cr2Hi = c.pfLinHi; }
    try {
      deliverWithInfo(c, v, kind, c.excHasError, c.excErrorCode, eventInfo(v, kind, c.excHasError));
      return;
    } catch (e) {
      c.deliveringEvent = 0;
      if (e !== FAULT) throw e;
      const second = c.excVector;
      const prev = first >= 0 ? first : v;
      if (prev === DF_VEC) return shutdown(c);
      const df = (isContributory(prev) && isContributory(second)) ||
        (prev === PF_VEC && (second === PF_VEC || isContributory(second)));
      first = df ? DF_VEC : second;
      if (df) {
        c.excVector = DF_VEC; c.excErrorCode = 0; c.excHasError = true; c.excIsSoftware = false;
      }
    }
  }
}

/** Triple fault: #VMEXIT(SHUTDOWN). Reported even when not intercepted: a software CPU has no reset line to pull. */
export function shutdown(c: Cpu): never {
  c.rip = c.instrStart;
  return vmexit(c, SvmExit.SHUTDOWN, 0, 0, 0, 0);
}

export { VMEXIT };
