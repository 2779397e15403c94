// x87 escape opcodes D8-DF and FWAIT (APM Vol.5; Intel SDM Vol.2 Appendix A.4).
// D9, DB, DD, DF are decoded here; D8, DA, DC, DE in x87-arith.ts.
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { raiseMF, raiseNM, raiseUD } from '../exceptions';
import { read16, write16 } from '../mmu';
import { materializeFlags, setArithFlags } from '../flags';
import { CF, CR0_MP, CR0_NE, CR0_TS, PF, ZF } from '../regs';
import { def } from './table';
import { escD8, escDA, escDC, escDE, fcmov, fcom } from './x87-arith';
import { fbld, fbstp, fildMem, fistMem, fldMem, fstMem } from './x87-load';
import { d9Special } from './x87-special';
import { fnsave, fnstenv, frstor, loadEnv, updateES } from './x87-env';
import { C1, commitPush, copySlot, fpuEnter, fpuNoWait, fpuWait, isEmpty, phys, pop, pushSlot, underflow } from './x87-core';
import { compare } from './x87-math';
import { registerFxsaveGroup } from './fxsave';

/** FCOMI/FUCOMI(P): ZF PF CF from ST(0) vs ST(i); OF SF AF cleared. */
function fcomi(c: Cpu, f: FpuState, rm: number, quiet: boolean, popAfter: boolean): void {
  const p0 = phys(f, 0), pi = phys(f, rm);
  f.fsw &= ~C1;
  let r: number;
  if (isEmpty(f, p0) || isEmpty(f, pi)) { if (underflow(f, -1)) return; r = 3; }
  else { r = compare(f, p0, pi, quiet); if (r < 0) return; }
  materializeFlags(c);
  setArithFlags(c, r === 0 ? 0 : r === 1 ? CF : r === 2 ? ZF : ZF | PF | CF);
  if (popAfter) pop(f);
}

/** FST/FSTP ST(i). */
function fstReg(f: FpuState, rm: number, popAfter: boolean): void {
  const p0 = phys(f, 0), pi = phys(f, rm);
  f.fsw &= ~C1;
  if (isEmpty(f, p0)) { if (underflow(f, pi)) return; }
  else { copySlot(f, pi, p0); f.tags |= 1 << pi; }
  if (popAfter) pop(f);
}

function fxch(f: FpuState, rm: number): void {
  const p0 = phys(f, 0), pi = phys(f, rm);
  f.fsw &= ~C1;
  if (isEmpty(f, p0) || isEmpty(f, pi)) {
    if (underflow(f, -1)) return;
    // Masked: empty registers become the indefinite, then exchange.
    if (isEmpty(f, p0)) underflow(f, p0);
    if (isEmpty(f, pi)) underflow(f, pi);
  }
  copySlot(f, 8, p0); copySlot(f, p0, pi); copySlot(f, pi, 8);
}

function escD9(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod !== 3) {
    switch (reg) {
      case 0: fldMem(c, fpuEnter(c), 4); return;
      case 2: fstMem(c, fpuEnter(c), 4, false); return;
      case 3: fstMem(c, fpuEnter(c), 4, true); return;
      case 4: fpuWait(c); loadEnv(c, c.fpu); return; // FLDENV
      case 5: { fpuWait(c); const f = c.fpu; f.fcw = (readCw(c) & 0x1f3f) | 0x40; updateES(f); return; } // FLDCW
      case 6: fpuNoWait(c); fnstenv(c, c.fpu); return;
      case 7: fpuNoWait(c); write16(c, c.eaSeg, c.eaLo, c.eaHi, c.fpu.fcw); return; // FNSTCW
      default: raiseUD(c);
    }
  }
  const f = fpuEnter(c), rm = c.modrm & 7;
  switch (reg) {
    case 0: { // FLD ST(i)
      const pi = phys(f, rm), empty = isEmpty(f, pi);
      const p = pushSlot(f);
      if (p < 0) return;
      if (empty) { if (underflow(f, p)) return; }
      else copySlot(f, p, pi);
      commitPush(f, p);
      return;
    }
    case 1: fxch(f, rm); return;
    case 2: if (rm !== 0) raiseUD(c); return; // FNOP
    case 3: fstReg(f, rm, true); return; // FSTP1 (reserved alias)
    default:
      if (c.modrm === 0xe2 || c.modrm === 0xe3 || c.modrm === 0xe6 || c.modrm === 0xe7 || c.modrm === 0xef) raiseUD(c);
      d9Special(c, f, c.modrm);
  }
}
function readCw(c: Cpu): number { return read16(c, c.eaSeg, c.eaLo, c.eaHi); }

const FCMOVN_CC = [0x3, 0x5, 0x7, 0xb];
function escDB(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod !== 3) {
    switch (reg) {
      case 0: fildMem(c, fpuEnter(c), 4); return;
      case 1: fistMem(c, fpuEnter(c), 4, true, true); return;
      case 2: fistMem(c, fpuEnter(c), 4, false, false); return;
      case 3: fistMem(c, fpuEnter(c), 4, true, false); return;
      case 5: fldMem(c, fpuEnter(c), 10); return;
      case 7: fstMem(c, fpuEnter(c), 10, true); return;
      default: raiseUD(c);
    }
  }
  const rm = c.modrm & 7;
  if (reg === 4) {
    fpuNoWait(c);
    if (rm === 2) { c.fpu.fsw &= 0x7f00; return; } // FNCLEX
    if (rm === 3) { c.fpu.init(); return; } // FNINIT
    if (rm <= 1 || rm === 4) return; // FENI/FDISI/FSETPM: no-ops
    raiseUD(c);
  }
  const f = fpuEnter(c);
  if (reg < 4) { fcmov(c, f, FCMOVN_CC[reg], rm); return; }
  if (reg === 5 || reg === 6) { fcomi(c, f, rm, reg === 5, false); return; }
  raiseUD(c);
}

function escDD(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod !== 3) {
    switch (reg) {
      case 0: fldMem(c, fpuEnter(c), 8); return;
      case 1: fistMem(c, fpuEnter(c), 8, true, true); return;
      case 2: fstMem(c, fpuEnter(c), 8, false); return;
      case 3: fstMem(c, fpuEnter(c), 8, true); return;
      case 4: fpuWait(c); frstor(c, c.fpu); return;
      case 6: fpuNoWait(c); fnsave(c, c.fpu); return;
      case 7: fpuNoWait(c); write16(c, c.eaSeg, c.eaLo, c.eaHi, c.fpu.fsw); return; // FNSTSW m16
      default: raiseUD(c);
    }
  }
  const f = fpuEnter(c), rm = c.modrm & 7;
  switch (reg) {
    case 0: f.tags &= ~(1 << phys(f, rm)); return; // FFREE
    case 1: fxch(f, rm); return;
    case 2: fstReg(f, rm, false); return;
    case 3: fstReg(f, rm, true); return;
    case 4: case 5: { const pi = phys(f, rm); fcom(f, pi, isEmpty(f, pi), true, reg - 4); return; } // FUCOM(P)
    default: raiseUD(c);
  }
}

function escDF(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod !== 3) {
    const f = fpuEnter(c);
    switch (reg) {
      case 0: fildMem(c, f, 2); return;
      case 1: fistMem(c, f, 2, true, true); return;
      case 2: fistMem(c, f, 2, false, false); return;
      case 3: fistMem(c, f, 2, true, false); return;
      case 4: fbld(c, f); return;
      case 5: fildMem(c, f, 8); return;
      case 6: fbstp(c, f); return;
      default: fistMem(c, f, 8, true, false); return;
    }
  }
  const rm = c.modrm & 7;
  if (reg === 4) { // FNSTSW AX
    if (rm !== 0) raiseUD(c);
    fpuNoWait(c);
    c.gpr[0] = (c.gpr[0] & ~0xffff) | c.fpu.fsw;
    return;
  }
  const f = fpuEnter(c);
  switch (reg) {
    case 0: f.tags &= ~(1 << phys(f, rm)); pop(f); return; // FFREEP
    case 1: fxch(f, rm); return;
    case 2: case 3: fstReg(f, rm, true); return;
    case 5: case 6: fcomi(c, f, rm, reg === 5, true); return; // FUCOMIP / FCOMIP
    default: raiseUD(c);
  }
}

/** FWAIT (9B): #NM if CR0.MP and CR0.TS; pending unmasked exception → #MF. */
function fwait(c: Cpu): void {
  if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) raiseNM(c);
  if ((c.fpu.fsw & 0x80) !== 0 && (c.cr0 & CR0_NE) !== 0) raiseMF(c);
}

export function registerX87(): void {
  def(0xd8, 'x87 D8', { modrm: true }, escD8);
  def(0xd9, 'x87 D9', { modrm: true }, escD9);
  def(0xda, 'x87 DA', { modrm: true }, escDA);
  def(0xdb, 'x87 DB', { modrm: true }, escDB);
  def(0xdc, 'x87 DC', { modrm: true }, escDC);
  def(0xdd, 'x87 DD', { modrm: true }, escDD);
  def(0xde, 'x87 DE', { modrm: true }, escDE);
  def(0xdf, 'x87 DF', { modrm: true }, escDF);
  def(0x9b, 'fwait', {}, fwait);
  registerFxsaveGroup();
}
