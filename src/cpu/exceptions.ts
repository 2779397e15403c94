// Exceptions and #VMEXIT as control flow (APM Vol.2 8.2, 15.6). An instruction that
// faults records the vector and error code on the Cpu and throws a preallocated
// signal; the run loop catches it. Nothing is allocated per fault.
import type { Cpu } from './cpu';
import { DE, GP, NM, NP, PF_VEC, SS_VEC, TS, UD, AC_VEC, MF, XF, BR } from './regs';

/** Thrown when an instruction raises an exception (details in cpu.exc*). */
export const FAULT: { readonly signal: 'fault' } = Object.freeze({ signal: 'fault' });
/** Thrown when guest execution ends in #VMEXIT (details in cpu.exit*). */
export const VMEXIT: { readonly signal: 'vmexit' } = Object.freeze({ signal: 'vmexit' });


export function raise(c: Cpu, vector: number, errorCode: number, hasError: boolean): never {
  c.excVector = vector;
  c.excErrorCode = errorCode;
  c.excHasError = hasError;
  c.excIsSoftware = false;
  throw FAULT;
}
export const raiseDE = (c: Cpu): never => raise(c, DE, 0, false);
export const raiseUD = (c: Cpu): never => raise(c, UD, 0, false);
export const raiseNM = (c: Cpu): never => raise(c, NM, 0, false);
export const raiseMF = (c: Cpu): never => raise(c, MF, 0, false);
export const raiseXF = (c: Cpu): never => raise(c, XF, 0, false);
export const raiseBR = (c: Cpu): never => raise(c, BR, 0, false);
export const raiseGP = (c: Cpu, err = 0): never => raise(c, GP, err, true);
export const raiseSS = (c: Cpu, err = 0): never => raise(c, SS_VEC, err, true);
export const raiseNP = (c: Cpu, err: number): never => raise(c, NP, err, true);
export const raiseTS = (c: Cpu, err: number): never => raise(c, TS, err, true);
export const raiseAC = (c: Cpu): never => raise(c, AC_VEC, 0, true);
export const raisePF = (c: Cpu, err: number): never => raise(c, PF_VEC, err, true);

/** Software interrupts INT n / INT3 / INTO: trap-like, delivered with the next RIP as return address. */
export function raiseSoftware(c: Cpu, vector: number): never {
  c.excVector = vector;
  c.excErrorCode = 0;
  c.excHasError = false;
  c.excIsSoftware = true;
  throw FAULT;
}

/** Exception classes for the double-fault rule (APM Vol.2 8.2.9, Table 8-7). */
export function isContributory(vector: number): boolean {
  return vector === DE || (vector >= TS && vector <= GP);
}

/**
 * Request #VMEXIT with an exit code and EXITINFO; the run loop writes the VMCB.
 * Exits are fault-like: RIP stays at the intercepted instruction (svm.md section 10).
 */
export function vmexit(c: Cpu, code: number, info1Lo: number, info1Hi: number, info2Lo: number, info2Hi: number): never {
  c.exitCode = code;
  c.exitInfo1Lo = info1Lo; c.exitInfo1Hi = info1Hi;
  c.exitInfo2Lo = info2Lo; c.exitInfo2Hi = info2Hi;
  throw VMEXIT;
}

/** True when intercept `code` (0..0xBF, the 192-bit vector at VMCB 000h) is set. */
export function intercepted(c: Cpu, code: number): boolean {
  return c.guestMode && ((c.intercepts[code >> 5] >>> (code & 31)) & 1) === 1;
}
/** #VMEXIT with `code` if its intercept is set; the usual check at the start of an instruction. */
export function checkIntercept(c: Cpu, code: number, info1 = 0, info2 = 0): void {
  if (intercepted(c, code)) vmexit(c, code, info1, 0, info2, 0);
}
