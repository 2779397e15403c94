// Segment register loading (APM Vol.2 4.5-4.10): descriptor-table reads, the checks of
// MOV/POP Sreg and LxS, and the raw load used once a descriptor has been validated.
import type { Cpu } from '../cpu';
import { refreshSegment, readSys, writeSys } from '../mmu';
import { raise, raiseGP, raiseNP, raiseSS } from '../exceptions';
import { ATTR_DB, ATTR_G, ATTR_P, ATTR_S, CS, FS, GP, GS, SS } from '../regs';

/** Load a segment register's visible selector and hidden descriptor cache, unchecked. */
export function loadSegmentRaw(c: Cpu, s: number, sel: number, base: number, limit: number, attr: number): void {
  c.segSel[s] = sel & 0xffff;
  c.segBaseLo[s] = base | 0;
  c.segBaseHi[s] = 0;
  c.segLimit[s] = limit | 0;
  c.segAttr[s] = attr;
  refreshSegment(c, s);
  if (s === CS || s === SS) c.updateMode();
}

// ---- Descriptors (APM Vol.2 4.7, 4.8).

/** High dword of the last descriptor read; its linear address in descAddrLo/Hi. */
export let descHi = 0;
export let descAddrLo = 0, descAddrHi = 0;

/** Does the descriptor of `sel` lie within its table? (no fault) */
export function selectorInTable(c: Cpu, sel: number): boolean {
  const limit = (sel & 4) !== 0 ? ((c.ldtrAttr & ATTR_P) === 0 ? -1 : c.ldtrLimit >>> 0) : c.gdtrLimit >>> 0;
  return (sel & ~7) + 7 <= limit;
}

/** Reads the 8-byte descriptor of `sel` from the GDT/LDT; low dword returned, high in descHi. Beyond the limit: `errVector`(sel). */
export function readDescriptor(c: Cpu, sel: number, errVector: number): number {
  if (!selectorInTable(c, sel)) raise(c, errVector, sel & 0xfffc, true);
  const ti = (sel & 4) !== 0;
  const s = ((ti ? c.ldtrBaseLo : c.gdtrBaseLo) >>> 0) + (sel & 0xfff8);
  const baseHi = ti ? c.ldtrBaseHi : c.gdtrBaseHi;
  const hi = s > 0xffffffff ? (baseHi + 1) | 0 : baseHi;
  descAddrLo = s | 0;
  descAddrHi = hi;
  const lo = readSys(c, s | 0, hi, 4);
  descHi = readSys(c, (s + 4) | 0, hi, 4);
  return lo;
}
/** Upper 8 bytes of the 16-byte system descriptor just read (long mode): dword 2 returned (bits 63:32 of base/offset), dword 3 in descUpper3; #GP(sel) beyond the limit. */
export let descUpper3 = 0;
export function readDescriptorUpper(c: Cpu, sel: number): number {
  if (!selectorInTable(c, (sel + 8) & 0xffff)) raiseGP(c, sel & 0xfffc);
  const s = (descAddrLo >>> 0) + 8;
  const hi = s > 0xffffffff ? (descAddrHi + 1) | 0 : descAddrHi;
  descUpper3 = readSys(c, (s + 4) | 0, hi, 4);
  return readSys(c, s | 0, hi, 4);
}
/** VMCB attribute word of a descriptor's high dword (svm.md 4). */
export function descAttr(hi: number): number {
  return ((hi >>> 8) & 0xff) | ((hi >>> 12) & 0xf00);
}
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}
/** Byte-granular limit (G scales by 4 KiB). */
export function descLimit(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? ((l << 12) | 0xfff) : l;
}
/** Set the accessed bit of the last descriptor read (APM Vol.2 4.7.2). */
export function setAccessed(c: Cpu): void {
  if ((descHi & 0x100) !== 0) return;
  descHi |= 0x100;
  writeSys(c, (descAddrLo + 4) | 0, descAddrHi, 4, descHi);
}
/** Load segment `s` from the descriptor just read. */
export function loadFromDescriptor(c: Cpu, s: number, sel: number, lo: number, hi: number): void {
  loadSegmentRaw(c, s, sel, descBase(lo, hi), descLimit(lo, hi), descAttr(hi));
}

/** Real mode / virtual-8086: base = selector * 16. v86 segments are 64 KiB DPL-3 data. */
export function loadSegmentReal(c: Cpu, s: number, sel: number): void {
  sel &= 0xffff;
  if (c.v86) loadSegmentRaw(c, s, sel, sel << 4, 0xffff, s === CS ? 0xfb : 0xf3);
  else {
    c.segSel[s] = sel;
    c.segBaseLo[s] = sel << 4;
    c.segBaseHi[s] = 0;
    c.segAttr[s] |= ATTR_P;
    refreshSegment(c, s);
  }
}

/** The null selector in a data segment register: unusable (P=0) outside 64-bit mode. */
function loadNull(c: Cpu, s: number, sel: number): void {
  const keepBase = c.mode64 && (s === FS || s === GS); // AMD keeps FS/GS base (no NullSelectorClearsBase)
  const bLo = c.segBaseLo[s], bHi = c.segBaseHi[s];
  loadSegmentRaw(c, s, sel, 0, 0, 0);
  if (keepBase) { c.segBaseLo[s] = bLo; c.segBaseHi[s] = bHi; }
}

/**
 * MOV/POP Sreg, LxS: load DS, ES, FS, GS or SS with the protection checks of
 * APM Vol.2 4.10.1 (error codes carry the selector).
 */
export function loadSegment(c: Cpu, s: number, sel: number): void {
  sel &= 0xffff;
  if (!c.protectedMode || c.v86) return loadSegmentReal(c, s, sel);
  const err = sel & 0xfffc;
  const rpl = sel & 3;
  if (err === 0) {
    if (s === SS) {
      // 64-bit mode allows a null SS at CPL 0-2 with RPL = CPL.
      if (!c.mode64 || c.cpl === 3 || rpl !== c.cpl) raiseGP(c, 0);
      loadSegmentRaw(c, SS, sel, 0, -1, ATTR_S | ATTR_P | ATTR_DB | ATTR_G | 3 | (c.cpl << 5));
      return;
    }
    return loadNull(c, s, sel);
  }
  const lo = readDescriptor(c, sel, GP), hi = descHi;
  const a = descAttr(hi);
  const dpl = (a >> 5) & 3;
  if (s === SS) {
    // Writable data, RPL = DPL = CPL.
    if (rpl !== c.cpl || (a & 0x1a) !== 0x12 || dpl !== c.cpl) raiseGP(c, err);
    if ((a & ATTR_P) === 0) raiseSS(c, err);
  } else {
    // Data or readable code; unless conforming code, DPL >= max(CPL, RPL).
    if ((a & ATTR_S) === 0 || (a & 0xa) === 0x8) raiseGP(c, err);
    const conforming = (a & 0xc) === 0xc;
    if (!conforming && (rpl > dpl || c.cpl > dpl)) raiseGP(c, err);
    if ((a & ATTR_P) === 0) raiseNP(c, err);
  }
  setAccessed(c);
  loadFromDescriptor(c, s, sel, lo, descHi);
}

/** After a return to an outer level: data segments the new CPL may not use become null (APM Vol.2 4.11.4). */
export function nullInaccessibleSegments(c: Cpu): void {
  for (let s = 0; s < 6; s++) {
    if (s === CS || s === SS) continue;
    const a = c.segAttr[s];
    const dpl = (a >> 5) & 3;
    const confCode = (a & 0xc) === 0xc;
    if ((a & ATTR_S) !== 0 && !confCode && dpl < c.cpl) loadNull(c, s, 0);
  }
}
