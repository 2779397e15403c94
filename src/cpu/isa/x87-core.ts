// x87 execution core: entry checks (#NM, #MF), the register stack, exception
// signalling and the status word (APM Vol.1 6.2-6.4, Intel SDM Vol.1 8.5).
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { raiseMF, raiseNM } from '../exceptions';
import { CR0_EM, CR0_NE, CR0_TS } from '../regs';

export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80;
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, BUSY = 0x8000;
export const CC_MASK = C0 | C1 | C2 | C3;
/** Scratch register slot for memory operands. */
export const TMP = 8;

/** #NM check only (non-waiting control instructions: FNINIT, FNSTSW, ...). */
export function fpuNoWait(c: Cpu): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) raiseNM(c);
}
/** Waiting instruction entry: #NM, then a pending unmasked exception is #MF (CR0.NE). */
export function fpuWait(c: Cpu): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) raiseNM(c);
  if ((c.fpu.fsw & ES) !== 0 && (c.cr0 & CR0_NE) !== 0) raiseMF(c);
}
/** Entry of an arithmetic/data instruction: checks, then FOP/FIP/FDP are recorded. */
export function fpuEnter(c: Cpu): FpuState {
  fpuWait(c);
  const f = c.fpu;
  f.fop = ((c.opcode & 7) << 8) | c.modrm;
  const ip = c.instrStart;
  f.fipLo = ip | 0; f.fipHi = Math.floor(ip / 4294967296) | 0;
  f.fcs = c.segSel[1];
  if (c.mod !== 3) { f.fdpLo = c.eaLo; f.fdpHi = c.eaHi; f.fds = c.segSel[c.eaSeg]; }
  return f;
}

/** Physical slot of ST(k). */
export function phys(f: FpuState, k: number): number {
  return (((f.fsw >> 11) + k) & 7);
}
export function isEmpty(f: FpuState, p: number): boolean {
  return ((f.tags >> p) & 1) === 0;
}

/**
 * Record exception flags; returns true if any is unmasked (the instruction must then
 * leave its destination unchanged; #MF follows at the next waiting instruction).
 */
export function signal(f: FpuState, bits: number): boolean {
  f.fsw |= bits;
  if ((bits & ~f.fcw & 0x3f) !== 0) { f.fsw |= ES | BUSY; return true; }
  return false;
}
export function setC1(f: FpuState, on: boolean): void {
  f.fsw = on ? f.fsw | C1 : f.fsw & ~C1;
}

/** Real indefinite: negative QNaN 0xFFFF C000000000000000. */
export function setIndefinite(f: FpuState, p: number): void {
  f.mant[2 * p] = 0; f.mant[2 * p + 1] = 0xc0000000 | 0; f.sexp[p] = 0xffff;
}
export function copySlot(f: FpuState, dst: number, src: number): void {
  f.mant[2 * dst] = f.mant[2 * src]; f.mant[2 * dst + 1] = f.mant[2 * src + 1]; f.sexp[dst] = f.sexp[src];
}

/**
 * Start a push: returns the physical slot of the new ST(0), or -1 on an unmasked stack
 * overflow. A masked overflow pushes the indefinite and also returns -1.
 */
export function pushSlot(f: FpuState): number {
  const p = (((f.fsw >> 11) - 1) & 7);
  f.fsw &= ~C1;
  if (!isEmpty(f, p)) {
    f.fsw |= C1;
    if (!signal(f, IE | SF)) { setIndefinite(f, p); commitPush(f, p); }
    return -1;
  }
  return p;
}
export function commitPush(f: FpuState, p: number): void {
  f.fsw = (f.fsw & ~0x3800) | (p << 11);
  f.tags |= 1 << p;
}
export function pop(f: FpuState): void {
  const p = (f.fsw >> 11) & 7;
  f.tags &= ~(1 << p);
  f.fsw = (f.fsw & ~0x3800) | (((p + 1) & 7) << 11);
}
/** Stack underflow: IE|SF, C1=0. Masked: `dst` (if >= 0) gets the indefinite. Returns true if unmasked. */
export function underflow(f: FpuState, dst: number): boolean {
  f.fsw &= ~C1;
  if (signal(f, IE | SF)) return true;
  if (dst >= 0) { setIndefinite(f, dst); f.tags |= 1 << dst; }
  return false;
}
/** Write a result register and mark it valid. */
export function markValid(f: FpuState, p: number): void {
  f.tags |= 1 << p;
}
