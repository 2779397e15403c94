// 0F 01 (group 7): SGDT SIDT LGDT LIDT SMSW LMSW INVLPG and the register forms:
// MONITOR/MWAIT, CLAC/STAC, XGETBV/XSETBV, the SVM instructions (svm.md section 2),
// SWAPGS, RDTSCP. Intercepts: GDTR_READ 67h, IDTR_READ 66h, GDTR_WRITE 6Bh,
// IDTR_WRITE 6Ah, INVLPG 79h (EXITINFO1 = linear address). MONITOR/MWAIT/XSETBV are absent
// (CPUID), so they #UD before their intercepts (8Ah, 8Bh, 8Dh) could fire.
// SVM instructions in guest mode: intercepted -> #VMEXIT; VMMCALL not intercepted -> #UD;
// the others are not virtualized here (no nested SVM) and raise #UD.
import type { Cpu } from '../cpu';
import { checkIntercept, intercepted, raiseGP, raiseUD, vmexit } from '../exceptions';
import { materializeFlags } from '../flags';
import { eaPlus } from '../operands';
import { read16, read32, resetFetch, write16, write32 } from '../mmu';
import { AC, GS } from '../regs';
import { lmsw, smsw } from './cr';
import { rdtscp } from './msr';
import { SvmExit } from '../svm/exit-codes';


/** Register forms with ModRM.reg = 3: D8-DF. */
export function svmInstruction(c: Cpu, rm: number): void {
  switch (rm) {
    case 1: // VMMCALL: any CPL
      checkIntercept(c, SvmExit.VMMCALL);
      raiseUD(c);
      break;
    case 0: svmPrivileged(c, SvmExit.VMRUN); break;
    case 2: svmPrivileged(c, SvmExit.VMLOAD); break;
    case 3: svmPrivileged(c, SvmExit.VMSAVE); break;
    case 4: svmPrivileged(c, SvmExit.STGI); break;
    case 5: svmPrivileged(c, SvmExit.CLGI); break;
    case 6: svmPrivileged(c, SvmExit.SKINIT); break;
    default: svmPrivileged(c, SvmExit.INVLPGA); break; // EXITINFO1 = rAX (decode assists)
  }
}

/** Legality order (svm.md section 2): #UD if EFER.SVME=0 or real mode; #GP if CPL>0; then the intercept. */
function svmPrivileged(c: Cpu, exit: number): void {
  if ((c.efer & (1 << 12)) === 0 || !c.protectedMode) raiseUD(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  if (exit === SvmExit.INVLPGA && intercepted(c, exit)) {
    vmexit(c, exit, c.gpr[0], c.adSize === 8 ? c.gpr[1] : 0, 0, 0);
  }
  checkIntercept(c, exit);
  raiseUD(c); // nested SVM is not offered
}

/** SGDT/SIDT: 16-bit limit, then a 32-bit base (24 bits with a 16-bit operand) or 64-bit in 64-bit mode. */
function storeTable(c: Cpu, limit: number, baseLo: number, baseHi: number): void {
  const seg = c.eaSeg;
  write16(c, seg, c.eaLo, c.eaHi, limit);
  const a = eaPlus(c, 2), aHi = c.tHi;
  if (c.mode64) {
    write32(c, seg, a, aHi, baseLo);
    const b = eaPlus(c, 6);
    write32(c, seg, b, c.tHi, baseHi);
  } else write32(c, seg, a, aHi, c.opSize === 2 ? baseLo & 0xffffff : baseLo);
}
let tblLimit = 0, tblBaseLo = 0, tblBaseHi = 0;
function loadTable(c: Cpu): void {
  const seg = c.eaSeg;
  tblLimit = read16(c, seg, c.eaLo, c.eaHi);
  const a = eaPlus(c, 2);
  tblBaseLo = read32(c, seg, a, c.tHi);
  tblBaseHi = 0;
  if (c.mode64) {
    const b = eaPlus(c, 6);
    tblBaseHi = read32(c, seg, b, c.tHi);
    if ((tblBaseHi << 16) >> 16 !== tblBaseHi) raiseGP(c, 0);
  } else if (c.opSize === 2) tblBaseLo &= 0xffffff;
}

function invlpg(c: Cpu): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  let lo = c.eaLo, hi = c.eaHi;
  const s = c.eaSeg;
  if (!c.mode64) { lo = (lo + c.segBaseLo[s]) | 0; hi = 0; }
  else if (s >= 4) {
    const t = (lo >>> 0) + (c.segBaseLo[s] >>> 0);
    hi = (hi + c.segBaseHi[s] + (t > 0xffffffff ? 1 : 0)) | 0;
    lo = t | 0;
  }
  if (intercepted(c, SvmExit.INVLPG)) vmexit(c, SvmExit.INVLPG, lo, hi, 0, 0);
  c.tlb.flushPage(lo, hi, c.asid);
  resetFetch(c);
}

function memoryForm(c: Cpu, reg: number): void {
  switch (reg) {
    case 0: checkIntercept(c, SvmExit.GDTR_READ); storeTable(c, c.gdtrLimit, c.gdtrBaseLo, c.gdtrBaseHi); break;
    case 1: checkIntercept(c, SvmExit.IDTR_READ); storeTable(c, c.idtrLimit, c.idtrBaseLo, c.idtrBaseHi); break;
    case 2:
      if (c.cpl !== 0) raiseGP(c, 0);
      checkIntercept(c, SvmExit.GDTR_WRITE);
      loadTable(c);
      c.gdtrLimit = tblLimit; c.gdtrBaseLo = tblBaseLo; c.gdtrBaseHi = tblBaseHi;
      break;
    case 3:
      if (c.cpl !== 0) raiseGP(c, 0);
      checkIntercept(c, SvmExit.IDTR_WRITE);
      loadTable(c);
      c.idtrLimit = tblLimit; c.idtrBaseLo = tblBaseLo; c.idtrBaseHi = tblBaseHi;
      break;
    case 4: smsw(c); break;
    case 6: lmsw(c); break;
    case 7: invlpg(c); break;
    default: raiseUD(c);
  }
}

/** CLAC/STAC (SMAP): CPL 0 only. */
function setAc(c: Cpu, on: boolean): void {
  if (c.cpl !== 0) raiseUD(c);
  materializeFlags(c);
  c.flags = on ? c.flags | AC : c.flags & ~AC;
}
/** SWAPGS: 64-bit mode, CPL 0; exchanges GS.base and KernelGSbase. */
function swapgs(c: Cpu): void {
  if (!c.mode64) raiseUD(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  const lo = c.segBaseLo[GS], hi = c.segBaseHi[GS];
  c.segBaseLo[GS] = c.kernelGsBaseLo; c.segBaseHi[GS] = c.kernelGsBaseHi;
  c.kernelGsBaseLo = lo; c.kernelGsBaseHi = hi;
}

function registerForm(c: Cpu, reg: number, rm: number): void {
  switch (reg) {
    case 1:
      // CPUID MONITOR = 0: the absent instruction's #UD comes before its intercept (APM 15.9).
      if (rm === 0 || rm === 1) raiseUD(c);
      if (rm === 2) return setAc(c, false);
      if (rm === 3) return setAc(c, true);
      raiseUD(c);
      break;
    case 2:
      raiseUD(c); // CPUID XSAVE = 0, CR4.OSXSAVE = 0: XGETBV/XSETBV #UD, before the XSETBV intercept
      break;
    case 3: svmInstruction(c, rm); break;
    case 4: smsw(c); break;
    case 6: lmsw(c); break;
    case 7:
      if (rm === 0) return swapgs(c);
      if (rm === 1) return rdtscp(c);
      raiseUD(c);
      break;
    default: raiseUD(c);
  }
}

export function group7(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod === 3) registerForm(c, reg, c.modrm & 7);
  else memoryForm(c, reg);
}
