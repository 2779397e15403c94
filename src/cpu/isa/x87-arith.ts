// x87 arithmetic and compare escapes D8, DA, DC, DE (APM Vol.3/Vol.5 x87 FADD..FDIVR,
// FCOM/FCOMP/FCOMPP/FUCOMPP, FIADD.., FICOM, FCMOVcc; Intel SDM Vol.2 Table A-7..A-22).
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { read16, read32, read64 } from '../mmu';
import { testCondition } from '../flags';
import { raiseUD } from '../exceptions';
import { cvtDenormal, cvtSnan, fromF32Bits, fromF64Bits, fromInt64 } from './x87-conv';
import { C0, C1, C2, C3, DE, IE, TMP, copySlot, fpuEnter, isEmpty, markValid, phys, pop, signal, underflow } from './x87-core';
import { OP_ADD, OP_DIV, OP_MUL, OP_SUB, arith, compare } from './x87-math';

/** Load the memory operand of D8/DC/DA/DE into TMP: kind 0 m32real, 1 m32int, 2 m64real, 3 m16int. False = abort. */
function loadMemOperand(c: Cpu, f: FpuState, kind: number): boolean {
  switch (kind) {
    case 0: fromF32Bits(f, TMP, read32(c, c.eaSeg, c.eaLo, c.eaHi)); break;
    case 1: { const v = read32(c, c.eaSeg, c.eaLo, c.eaHi); fromInt64(f, TMP, v, v >> 31); return true; }
    case 2: { const lo = read64(c, c.eaSeg, c.eaLo, c.eaHi); fromF64Bits(f, TMP, lo, c.tHi); break; }
    default: { const v = (read16(c, c.eaSeg, c.eaLo, c.eaHi) << 16) >> 16; fromInt64(f, TMP, v, v >> 31); return true; }
  }
  // An SNaN memory operand is invalid; the quieted NaN then propagates.
  if (cvtSnan && signal(f, IE)) return false;
  return !(cvtDenormal && signal(f, DE));
}

/** Set C3 C2 C0 from a compare result (0 gt, 1 lt, 2 eq, 3 unordered). */
export function setCompareCC(f: FpuState, r: number): void {
  const cc = r === 0 ? 0 : r === 1 ? C0 : r === 2 ? C3 : C0 | C2 | C3;
  f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc;
}

/** /reg 0-7 operation with x the destination value: ADD MUL COM COMP SUB SUBR DIV DIVR. */
function doOp(f: FpuState, reg: number, dst: number, x: number, y: number): boolean {
  switch (reg) {
    case 0: return arith(f, OP_ADD, dst, x, y);
    case 1: return arith(f, OP_MUL, dst, x, y);
    case 4: return arith(f, OP_SUB, dst, x, y);
    case 5: return arith(f, OP_SUB, dst, y, x);
    case 6: return arith(f, OP_DIV, dst, x, y);
    default: return arith(f, OP_DIV, dst, y, x);
  }
}

/** FCOM/FCOMP ST(0) with operand slot y (or empty: underflow). */
function fcom(f: FpuState, y: number, yEmpty: boolean, quiet: boolean, pops: number): void {
  const p0 = phys(f, 0);
  if (isEmpty(f, p0) || yEmpty) {
    if (underflow(f, -1)) return;
    setCompareCC(f, 3);
  } else {
    const r = compare(f, p0, y, quiet);
    if (r < 0) return;
    setCompareCC(f, r);
  }
  for (let i = 0; i < pops; i++) pop(f);
}

/** Memory forms of D8 (m32real), DA (m32int), DC (m64real), DE (m16int). */
function arithMem(c: Cpu, f: FpuState, kind: number): void {
  const reg = (c.modrm >> 3) & 7;
  if (!loadMemOperand(c, f, kind)) return;
  if (reg === 2 || reg === 3) { fcom(f, TMP, false, false, reg - 2); return; }
  const p0 = phys(f, 0);
  if (isEmpty(f, p0)) { underflow(f, p0); return; }
  if (!doOp(f, reg, TMP, p0, TMP)) copySlot(f, p0, TMP);
}

/** Register forms: dst ST(0) (D8) or ST(i) (DC, DE with pop). */
function arithReg(f: FpuState, reg: number, rm: number, toSti: boolean, popAfter: boolean): void {
  const p0 = phys(f, 0), pi = phys(f, rm);
  const dst = toSti ? pi : p0;
  if (isEmpty(f, p0) || isEmpty(f, pi)) { if (underflow(f, dst)) return; if (popAfter) pop(f); return; }
  // DC/DE register forms swap SUB/SUBR and DIV/DIVR relative to their destination.
  const r = toSti && reg >= 4 ? reg ^ 1 : reg;
  if (doOp(f, r, TMP, dst, toSti ? p0 : pi)) return;
  copySlot(f, dst, TMP);
  markValid(f, dst);
  if (popAfter) pop(f);
}

// D8: m32real / ST(0), ST(i)
function escD8(c: Cpu): void {
  const f = fpuEnter(c);
  if (c.mod !== 3) { arithMem(c, f, 0); return; }
  const reg = (c.modrm >> 3) & 7, rm = c.modrm & 7;
  if (reg === 2 || reg === 3) { const pi = phys(f, rm); fcom(f, pi, isEmpty(f, pi), false, reg - 2); return; }
  arithReg(f, reg, rm, false, false);
}
// DC: m64real / ST(i), ST(0)
function escDC(c: Cpu): void {
  const f = fpuEnter(c);
  if (c.mod !== 3) { arithMem(c, f, 2); return; }
  const reg = (c.modrm >> 3) & 7, rm = c.modrm & 7;
  if (reg === 2 || reg === 3) { const pi = phys(f, rm); fcom(f, pi, isEmpty(f, pi), false, reg - 2); return; }
  arithReg(f, reg, rm, true, false);
}
// DE: m16int / xxxP ST(i), ST(0); DE D9 FCOMPP
function escDE(c: Cpu): void {
  const f = fpuEnter(c);
  if (c.mod !== 3) { arithMem(c, f, 3); return; }
  const reg = (c.modrm >> 3) & 7, rm = c.modrm & 7;
  if (reg === 3) {
    if (rm !== 1) raiseUD(c);
    const p1 = phys(f, 1);
    fcom(f, p1, isEmpty(f, p1), false, 2);
    return;
  }
  if (reg === 2) { const pi = phys(f, rm); fcom(f, pi, isEmpty(f, pi), false, 1); return; }
  arithReg(f, reg, rm, true, true);
}
// DA: m32int / FCMOVB, FCMOVE, FCMOVBE, FCMOVU; DA E9 FUCOMPP
const FCMOV_CC = [0x2, 0x4, 0x6, 0xa];
function escDA(c: Cpu): void {
  const f = fpuEnter(c);
  if (c.mod !== 3) { arithMem(c, f, 1); return; }
  const reg = (c.modrm >> 3) & 7, rm = c.modrm & 7;
  if (reg < 4) { fcmov(c, f, FCMOV_CC[reg], rm); return; }
  if (reg === 5 && rm === 1) { const p1 = phys(f, 1); fcom(f, p1, isEmpty(f, p1), true, 2); return; }
  raiseUD(c);
}

/** FCMOVcc ST(0), ST(i) (cc as Jcc low nibble). */
export function fcmov(c: Cpu, f: FpuState, cc: number, rm: number): void {
  const p0 = phys(f, 0), pi = phys(f, rm);
  f.fsw &= ~C1;
  if (isEmpty(f, p0) || isEmpty(f, pi)) { underflow(f, p0); return; }
  if (testCondition(c, cc)) copySlot(f, p0, pi);
}

export { escD8, escDA, escDC, escDE, fcom };
