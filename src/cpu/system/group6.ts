// 0F 00 (group 6): SLDT STR LLDT LTR VERR VERW, and LAR/LSL (0F 02/03): APM Vol.3,
// Vol.2 4.6.2 (LDT), 12.2.5 (TSS). Intercepts LDTR_READ 68h, TR_READ 69h, LDTR_WRITE 6Ch,
// TR_WRITE 6Dh. Not available in real or virtual-8086 mode (#UD).
import type { Cpu } from '../cpu';
import { checkIntercept, raiseGP, raiseNP, raiseUD } from '../exceptions';
import { materializeFlags } from '../flags';
import { readE, writeE, writeG } from '../operands';
import { readSys, writeSys } from '../mmu';
import { def, OP_0F } from '../isa/table';
import { ATTR_P, ATTR_S, EFER_LMA, GP, ZF } from '../regs';
import { descAddrHi, descAddrLo, descAttr, descBase, descHi, descLimit, readDescriptor, readDescriptorUpper, selectorInTable } from './segments';
import { SvmExit } from '../svm/exit-codes';


function storeSel(c: Cpu, sel: number): void {
  if (c.mod === 3) writeE(c, c.opSize, sel, 0);
  else writeE(c, 2, sel, 0);
}

function lldt(c: Cpu): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, SvmExit.LDTR_WRITE);
  const sel = readE(c, 2);
  if ((sel & 0xfffc) === 0) { c.ldtrSel = sel; c.ldtrAttr = 0; c.ldtrBaseLo = 0; c.ldtrBaseHi = 0; c.ldtrLimit = 0; return; }
  if ((sel & 4) !== 0) raiseGP(c, sel & 0xfffc);
  const lo = readDescriptor(c, sel, GP), hi = descHi;
  const a = descAttr(hi);
  if ((a & 0x1f) !== 2) raiseGP(c, sel & 0xfffc);
  if ((a & ATTR_P) === 0) raiseNP(c, sel & 0xfffc);
  const baseHi = (c.efer & EFER_LMA) !== 0 ? readDescriptorUpper(c, sel) : 0;
  c.ldtrSel = sel; c.ldtrAttr = a; c.ldtrBaseLo = descBase(lo, hi); c.ldtrBaseHi = baseHi; c.ldtrLimit = descLimit(lo, hi);
}

function ltr(c: Cpu): void {
  if (c.cpl !== 0) raiseGP(c, 0);
  checkIntercept(c, SvmExit.TR_WRITE);
  const sel = readE(c, 2);
  if ((sel & 0xfffc) === 0) raiseGP(c, 0);
  if ((sel & 4) !== 0) raiseGP(c, sel & 0xfffc);
  const lo = readDescriptor(c, sel, GP), hi = descHi;
  const a = descAttr(hi);
  const t = a & 0x1f;
  const longMode = (c.efer & EFER_LMA) !== 0;
  if (t !== 9 && (longMode || t !== 1)) raiseGP(c, sel & 0xfffc);
  if ((a & ATTR_P) === 0) raiseNP(c, sel & 0xfffc);
  const aLo = descAddrLo, aHi = descAddrHi;
  const baseHi = longMode ? readDescriptorUpper(c, sel) : 0;
  writeSys(c, (aLo + 4) | 0, aHi, 4, hi | 0x200); // busy
  c.trSel = sel; c.trAttr = a | 2; c.trBaseLo = descBase(lo, hi); c.trBaseHi = baseHi; c.trLimit = descLimit(lo, hi);
}

/**
 * Can the descriptor of `sel` be accessed at CPL/RPL (LAR, LSL, VERR, VERW)? Leaves the
 * attribute word in `probeAttr`; no fault for selectors outside the table.
 */
let probeAttr = 0, probeLo = 0, probeHi = 0;
function probe(c: Cpu, sel: number, systemTypes: number): boolean {
  if ((sel & 0xfffc) === 0 || !selectorInTable(c, sel)) return false;
  const ti = (sel & 4) !== 0;
  const a0 = ((ti ? c.ldtrBaseLo : c.gdtrBaseLo) + (sel & 0xfff8)) | 0;
  const aHi = ti ? c.ldtrBaseHi : c.gdtrBaseHi;
  probeLo = readSys(c, a0, aHi, 4);
  probeHi = readSys(c, (a0 + 4) | 0, aHi, 4);
  const a = descAttr(probeHi);
  probeAttr = a;
  const dpl = (a >> 5) & 3;
  if ((a & ATTR_S) === 0) {
    if (((systemTypes >>> (a & 0xf)) & 1) === 0) return false;
  } else if ((a & 0xc) === 0xc) return true; // conforming code: no privilege check
  return dpl >= c.cpl && dpl >= (sel & 3);
}
function setZF(c: Cpu, on: boolean): void {
  materializeFlags(c);
  c.flags = on ? c.flags | ZF : c.flags & ~ZF;
}
/** System types valid for LAR / LSL (bit n = type n); long mode allows fewer. */
function larTypes(c: Cpu): number {
  return (c.efer & EFER_LMA) !== 0 ? (1 << 2) | (1 << 9) | (1 << 0xb) | (1 << 0xc) : 0x1a3e;
}
function lslTypes(c: Cpu): number {
  return (c.efer & EFER_LMA) !== 0 ? (1 << 2) | (1 << 9) | (1 << 0xb) : 0xa0e;
}

function lar(c: Cpu): void {
  if (!c.protectedMode || c.v86) raiseUD(c);
  const sel = readE(c, 2);
  if (!probe(c, sel, larTypes(c))) return setZF(c, false);
  setZF(c, true);
  writeG(c, c.opSize, probeHi & (c.opSize === 2 ? 0xff00 : 0xffff00), 0);
}
function lsl(c: Cpu): void {
  if (!c.protectedMode || c.v86) raiseUD(c);
  const sel = readE(c, 2);
  if (!probe(c, sel, lslTypes(c))) return setZF(c, false);
  setZF(c, true);
  writeG(c, c.opSize, descLimit(probeLo, probeHi), 0);
}
/** VERR/VERW: readable / writable segment at the current privilege. */
function verify(c: Cpu, write: boolean): void {
  const sel = readE(c, 2);
  let ok = probe(c, sel, 0) && (probeAttr & ATTR_S) !== 0;
  if (ok) {
    const code = (probeAttr & 8) !== 0;
    ok = write ? !code && (probeAttr & 2) !== 0 : !code || (probeAttr & 2) !== 0;
  }
  setZF(c, ok);
}

function group6(c: Cpu): void {
  if (!c.protectedMode || c.v86) raiseUD(c);
  switch ((c.modrm >> 3) & 7) {
    case 0: checkIntercept(c, SvmExit.LDTR_READ); storeSel(c, c.ldtrSel); break;
    case 1: checkIntercept(c, SvmExit.TR_READ); storeSel(c, c.trSel); break;
    case 2: lldt(c); break;
    case 3: ltr(c); break;
    case 4: verify(c, false); break;
    case 5: verify(c, true); break;
    default: raiseUD(c);
  }
}

export function registerGroup6(): void {
  def(OP_0F | 0x00, 'grp6', { modrm: true }, group6);
  def(OP_0F | 0x02, 'larGvEw', { modrm: true }, lar);
  def(OP_0F | 0x03, 'lslGvEw', { modrm: true }, lsl);
}
