// Control and debug registers: MOV CRn, MOV DRn, CLTS, LMSW, SMSW (APM Vol.2 3.1, 13.1;
// Vol.3). SVM intercepts (svm.md 3, 6): CRn_READ = n, CRn_WRITE = 10h+n, DRn 20h/30h+n,
// CR0 selective write 65h; EXITINFO1 = GPR number | bit 63 for MOV CRn (DecodeAssists),
// 0 for LMSW/CLTS/SMSW.
import type { Cpu } from '../cpu';
import { checkIntercept, intercepted, raiseGP, raiseUD, vmexit } from '../exceptions';
import { readReg, writeE, readE, writeReg } from '../operands';
import { refreshAllSegments, resetFetch, setCpl } from '../mmu';
import { def, OP_0F } from '../isa/table';
import { CR4_SUPPORTED } from '../svm/consistency-checks';
import { MAX_PHYS_ADDR_BITS } from '../cpuid';
import {
  ATTR_L, CR0_CD, CR0_ET, CR0_MP, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_PAE, CR4_PGE, CR4_PSE,
  CR4_SMAP, CR4_SMEP, CS, EFER_LMA, EFER_LME,
} from '../regs';
import { SvmExit } from '../svm/exit-codes';

const BIT63 = 0x80000000 | 0;

/** Write CR0 (MOV, LMSW, CLTS) with the checks of APM Vol.2 3.1.1 and the long-mode activation rule (14.6). */
export function writeCr0(c: Cpu, lo: number, hi: number): void {
  if (hi !== 0) raiseGP(c, 0);
  const v = lo | CR0_ET;
  const old = c.cr0;
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) raiseGP(c, 0);
  if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) raiseGP(c, 0);
  const pgOn = (v & CR0_PG) !== 0 && (old & CR0_PG) === 0;
  if (pgOn && (c.efer & EFER_LME) !== 0 && ((c.cr4 & CR4_PAE) === 0 || (c.segAttr[CS] & ATTR_L) !== 0)) raiseGP(c, 0);
  if ((v & CR0_PG) === 0 && (old & CR0_PG) !== 0 && c.mode64) raiseGP(c, 0);
  c.cr0 = v;
  if (pgOn && (c.efer & EFER_LME) !== 0) c.efer |= EFER_LMA;
  if ((v & CR0_PG) === 0) c.efer &= ~EFER_LMA;
  if (((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) c.tlb.flushAsid(c.asid, false);
  if ((v & CR0_PE) === 0) setCpl(c, 0);
  c.updateMode();
  refreshAllSegments(c);
  resetFetch(c);
}

export function writeCr4(c: Cpu, lo: number, hi: number): void {
  if (hi !== 0 || (lo & ~CR4_SUPPORTED) !== 0) raiseGP(c, 0);
  if ((c.efer & EFER_LMA) !== 0 && (lo & CR4_PAE) === 0) raiseGP(c, 0);
  const old = c.cr4;
  c.cr4 = lo;
  if (((old ^ lo) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP | CR4_SMAP)) !== 0) {
    c.tlb.flushAsid(c.asid, false);
    resetFetch(c);
  }
}

export function writeCr3(c: Cpu, lo: number, hi: number): void {
  if ((c.efer & EFER_LMA) !== 0 && (hi >>> (MAX_PHYS_ADDR_BITS - 32)) !== 0) raiseGP(c, 0);
  c.cr3Lo = lo;
  c.cr3Hi = (c.efer & EFER_LMA) !== 0 ? hi : 0;
  c.tlb.flushAsid(c.asid, true);
  resetFetch(c);
}

/** CR0 selective-write intercept: any bit other than TS and MP changes (svm.md 3.1 bit 5). */
function cr0SelWrite(c: Cpu, lo: number, info1Lo: number, info1Hi: number): void {
  if (((c.cr0 ^ lo) & ~(CR0_TS | CR0_MP)) !== 0 && intercepted(c, SvmExit.CR0_SEL_WRITE)) {
    vmexit(c, SvmExit.CR0_SEL_WRITE, info1Lo, info1Hi, 0, 0);
  }
}

/** The GPR operand of MOV CR/DR: ModRM.rm regardless of mod (APM Vol.3 MOV CRn). */
function crGpr(c: Cpu): number {
  return (c.modrm & 7) | ((c.rex & 1) << 3);
}
/** CR number; only 0, 2, 3, 4 and (REX.R) 8 exist; LOCK MOV CR0 (AltMovCr8) is not offered. */
function crNumber(c: Cpu): number {
  const n = c.regG;
  if (c.lock || (n !== 0 && n !== 2 && n !== 3 && n !== 4 && n !== 8)) raiseUD(c);
  return n;
}

function movRdCd(c: Cpu): void {
  const n = crNumber(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  const r = crGpr(c);
  if (intercepted(c, n)) vmexit(c, n, r, BIT63, 0, 0);
  let lo = 0, hi = 0;
  switch (n) {
    case 0: lo = c.cr0; break;
    case 2: lo = c.cr2Lo; hi = c.cr2Hi; break;
    case 3: lo = c.cr3Lo; hi = c.cr3Hi; break;
    case 4: lo = c.cr4; break;
    default: lo = c.vTpr & 0xf; break;
  }
  writeReg(c, c.mode64 ? 8 : 4, r, lo, hi);
}

function movCdRd(c: Cpu): void {
  const n = crNumber(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  const r = crGpr(c);
  const size = c.mode64 ? 8 : 4;
  const lo = readReg(c, size, r), hi = size === 8 ? c.tHi : 0;
  if (intercepted(c, 0x10 + n)) vmexit(c, 0x10 + n, r, BIT63, 0, 0);
  switch (n) {
    case 0: cr0SelWrite(c, lo, r, BIT63); writeCr0(c, lo, hi); break;
    case 2: c.cr2Lo = lo; c.cr2Hi = hi; break;
    case 3: writeCr3(c, lo, hi); break;
    case 4: writeCr4(c, lo, hi); break;
    default:
      if (hi !== 0 || (lo & ~0xf) !== 0) raiseGP(c, 0);
      c.vTpr = lo & 0xf;
  }
}

/** CLTS: a CR0 write for the intercept, never a selective one. */
function clts(c: Cpu): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, 0x10, 0, 0);
  c.cr0 &= ~CR0_TS;
}
/** LMSW Ew: loads PE (set only), MP, EM, TS. */
export function lmsw(c: Cpu): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  const src = readE(c, 2);
  checkIntercept(c, 0x10, 0, 0);
  const v = (c.cr0 & ~0xe) | (src & 0xf) | (c.cr0 & CR0_PE);
  cr0SelWrite(c, v, 0, 0);
  writeCr0(c, v, 0);
}
/** SMSW Ew: CR0 read intercept; register destinations get the operand size. */
export function smsw(c: Cpu): void {
  checkIntercept(c, 0, 0, 0);
  if (c.mod === 3) writeE(c, c.opSize, c.cr0, 0);
  else writeE(c, 2, c.cr0 & 0xffff, 0);
}

/** DR number: 4/5 alias 6/7 unless CR4.DE (then #UD); 8-15 #UD. */
function drNumber(c: Cpu): number {
  const n = c.regG;
  if (n > 7) raiseUD(c);
  if (n === 4 || n === 5) { if ((c.cr4 & CR4_DE) !== 0) raiseUD(c); return n + 2; }
  return n;
}
function movRdDd(c: Cpu): void {
  const enc = c.regG;
  const n = drNumber(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  const r = crGpr(c);
  checkIntercept(c, 0x20 + enc, r, 0);
  writeReg(c, c.mode64 ? 8 : 4, r, c.dr[2 * n], c.dr[2 * n + 1]);
}
function movDdRd(c: Cpu): void {
  const enc = c.regG;
  const n = drNumber(c);
  if (c.cpl !== 0) raiseGP(c, 0);
  const r = crGpr(c);
  checkIntercept(c, 0x30 + enc, r, 0);
  const size = c.mode64 ? 8 : 4;
  let lo = readReg(c, size, r);
  const hi = size === 8 ? c.tHi : 0;
  if (n >= 6 && hi !== 0) raiseGP(c, 0);
  if (n === 6) lo |= 0xffff0ff0 | 0;
  else if (n === 7) lo = (lo & ~0xd800) | 0x400;
  c.dr[2 * n] = lo;
  c.dr[2 * n + 1] = n < 6 ? hi : 0;
}

export function registerCr(): void {
  def(OP_0F | 0x20, 'movRdCd', { modrm: true }, movRdCd);
  def(OP_0F | 0x22, 'movCdRd', { modrm: true }, movCdRd);
  def(OP_0F | 0x21, 'movRdDd', { modrm: true }, movRdDd);
  def(OP_0F | 0x23, 'movDdRd', { modrm: true }, movDdRd);
  def(OP_0F | 0x06, 'clts', {}, clts);
}
