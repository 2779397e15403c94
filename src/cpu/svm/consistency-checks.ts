// VMRUN consistency checks, each a named predicate. svm.md 9.2 / APM Vol.2 15.5.1.
// Any failed check makes VMRUN exit with VMEXIT_INVALID (EXITCODE = -1).
// 64-bit values are lo/hi signed int32 pairs as PhysMem.read32 returns them.

import type { PhysMem } from '../phys-mem';
import { VMCB, MiscCtl1 } from './vmcb-layout';
import { eventInjIsLegal } from './event-inj';
import { IOPM_SIZE } from './iopm';
import { MSRPM_SIZE } from './msrpm';

/** What the checks read from the VMCB (plus host CR0.PG, which is CPU state). */
export interface VmrunCheckState {
  eferLo: number; eferHi: number;
  cr0Lo: number; cr0Hi: number;
  cr3Lo: number; cr3Hi: number;
  cr4Lo: number; cr4Hi: number;
  dr6Hi: number; dr7Hi: number;
  csAttrib: number;
  interceptWord4: number;
  iopmBaseLo: number; iopmBaseHi: number;
  msrpmBaseLo: number; msrpmBaseHi: number;
  eventInjLo: number;
  asid: number;
  npEnable: boolean;
  nCr3Lo: number; nCr3Hi: number;
  gPatLo: number; gPatHi: number;
  /** Host CR0.PG at VMRUN; nested paging needs it (svm.md 12, Bochs). */
  hostPaging: boolean;
}

/** What the CPU model supports. */
export interface VmrunCaps {
  maxPhyAddrBits: number;
  npSupported: boolean;
  /** CR4 bits the CPU implements (low dword); any other bit is MBZ. */
  cr4Supported: number;
  /** EFER bits the CPU implements (low dword); any other bit is MBZ. */
  eferSupported: number;
}

export const CR0_PE = 1 << 0;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;
export const CR4_PAE = 1 << 5;
export const EFER_LME = 1 << 8;
export const EFER_SVME = 1 << 12;
export const CS_ATTRIB_L = 1 << 9; // svm.md 4, attrib packing
export const CS_ATTRIB_D = 1 << 10;

/**
 * CR4 bits this CPU supports: VME 0, PVI 1, TSD 2, DE 3, PSE 4, PAE 5, MCE 6,
 * PGE 7, PCE 8, OSFXSR 9, OSXMMEXCPT 10, SMEP 20, SMAP 21. All others are MBZ.
 */
export const CR4_SUPPORTED = 0x7ff | (1 << 20) | (1 << 21);
/**
 * EFER bits this CPU supports: SCE 0, LME 8, LMA 10, NXE 11, SVME 12, LMSLE 13,
 * FFXSR 14. All others (and EFER[63:32]) are MBZ.
 */
export const EFER_SUPPORTED = (1 << 0) | (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14);

export const DEFAULT_VMRUN_CAPS: Readonly<VmrunCaps> = Object.freeze({
  maxPhyAddrBits: 48,
  npSupported: true,
  cr4Supported: CR4_SUPPORTED,
  eferSupported: EFER_SUPPORTED,
});

/** Reads everything the checks need from the VMCB at vmcbHpa. */
export function readGuestStateForChecks(mem: PhysMem, vmcbHpa: number, hostPaging = true): VmrunCheckState {
  const r = (off: number): number => mem.read32(vmcbHpa + off);
  return {
    eferLo: r(VMCB.EFER), eferHi: r(VMCB.EFER + 4),
    cr0Lo: r(VMCB.CR0), cr0Hi: r(VMCB.CR0 + 4),
    cr3Lo: r(VMCB.CR3), cr3Hi: r(VMCB.CR3 + 4),
    cr4Lo: r(VMCB.CR4), cr4Hi: r(VMCB.CR4 + 4),
    dr6Hi: r(VMCB.DR6 + 4), dr7Hi: r(VMCB.DR7 + 4),
    csAttrib: mem.read16(vmcbHpa + VMCB.CS_ATTRIB),
    interceptWord4: r(VMCB.INTERCEPT_WORD4),
    iopmBaseLo: r(VMCB.IOPM_BASE_PA), iopmBaseHi: r(VMCB.IOPM_BASE_PA + 4),
    msrpmBaseLo: r(VMCB.MSRPM_BASE_PA), msrpmBaseHi: r(VMCB.MSRPM_BASE_PA + 4),
    eventInjLo: r(VMCB.EVENTINJ),
    asid: r(VMCB.GUEST_ASID),
    npEnable: (r(VMCB.MISC_CTL1) & MiscCtl1.NP_ENABLE) !== 0,
    nCr3Lo: r(VMCB.N_CR3), nCr3Hi: r(VMCB.N_CR3 + 4),
    gPatLo: r(VMCB.G_PAT), gPatHi: r(VMCB.G_PAT + 4),
    hostPaging,
  };
}

/** Any bit at or above `bits` set in the 64-bit value lo/hi? */
function bitsAtOrAbove(lo: number, hi: number, bits: number): boolean {
  if (bits >= 64) return false;
  if (bits >= 32) return hi >>> (bits - 32) !== 0;
  return hi !== 0 || lo >>> bits !== 0;
}

/**
 * Does a map of `size` bytes at the 4K-aligned base lo/hi reach the maximum
 * physical address? Follows QEMU: (base & ~FFFh) + size >= 2^MAXPHYADDR fails
 * ("extends to or past MAXPHYADDR"); KVM allows the last byte at 2^M - 1.
 */
function mapBeyondMaxPhys(lo: number, hi: number, size: number, bits: number): boolean {
  const h = hi >>> 0;
  if (h > 0x1fffff) return true; // >= 2^53, above any MAXPHYADDR (<= 52)
  const base = h * 0x100000000 + ((lo >>> 0) - (lo & 0xfff));
  return base + size >= 2 ** bits;
}

/** PAT entry types 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC- are valid; 2, 3 and >= 8 are not. */
function patDwordValid(v: number): boolean {
  for (let i = 0; i < 32; i += 8) {
    const t = (v >>> i) & 0xff;
    if (t === 2 || t === 3 || t > 7) return false;
  }
  return true;
}

const longModePaging = (s: VmrunCheckState): boolean => (s.eferLo & EFER_LME) !== 0 && (s.cr0Lo & CR0_PG) !== 0;

export type VmrunCheckName =
  | 'efer_svme_clear' | 'cr0_cd0_nw1' | 'cr0_high_bits' | 'cr3_mbz' | 'cr4_mbz' | 'dr6_dr7_high_bits'
  | 'efer_mbz' | 'lme_pg_without_pae' | 'lme_pg_without_pe' | 'long_mode_cs_l_and_d'
  | 'vmrun_intercept_clear' | 'msrpm_iopm_beyond_maxphyaddr' | 'illegal_eventinj' | 'asid_zero'
  | 'np_unsupported_or_bad_ncr3' | 'g_pat_invalid_type';

export interface VmrunCheck {
  readonly name: VmrunCheckName;
  failed(s: VmrunCheckState, caps: VmrunCaps): boolean;
}

/** The checks of svm.md 9.2 in table order (#1..#16). */
export const VMRUN_CHECKS: ReadonlyArray<VmrunCheck> = Object.freeze([
  // 1: guest EFER.SVME = 0
  { name: 'efer_svme_clear', failed: (s) => (s.eferLo & EFER_SVME) === 0 },
  // 2: CR0.CD = 0 and CR0.NW = 1
  { name: 'cr0_cd0_nw1', failed: (s) => (s.cr0Lo & (CR0_CD | CR0_NW)) === CR0_NW },
  // 3: CR0[63:32] != 0
  { name: 'cr0_high_bits', failed: (s) => s.cr0Hi !== 0 },
  // 4: CR3 bits beyond MAXPHYADDR in long mode (EFER.LME && CR0.PG, as KVM; Bochs recomputes LMA so)
  { name: 'cr3_mbz', failed: (s, c) => longModePaging(s) && bitsAtOrAbove(s.cr3Lo, s.cr3Hi, c.maxPhyAddrBits) },
  // 5: CR4 MBZ / unsupported bits, incl. CR4[63:32]
  { name: 'cr4_mbz', failed: (s, c) => s.cr4Hi !== 0 || (s.cr4Lo & ~c.cr4Supported) !== 0 },
  // 6: DR6[63:32] or DR7[63:32] != 0
  { name: 'dr6_dr7_high_bits', failed: (s) => s.dr6Hi !== 0 || s.dr7Hi !== 0 },
  // 7: EFER MBZ / unsupported bits, incl. EFER[63:32] (LME/LMA without LM support: drop them from eferSupported)
  { name: 'efer_mbz', failed: (s, c) => s.eferHi !== 0 || (s.eferLo & ~c.eferSupported) !== 0 },
  // 8: EFER.LME and CR0.PG with CR4.PAE = 0
  { name: 'lme_pg_without_pae', failed: (s) => longModePaging(s) && (s.cr4Lo & CR4_PAE) === 0 },
  // 9: EFER.LME and CR0.PG with CR0.PE = 0
  { name: 'lme_pg_without_pe', failed: (s) => longModePaging(s) && (s.cr0Lo & CR0_PE) === 0 },
  // 10: EFER.LME, CR0.PG, CR4.PAE, CS.L, CS.D all 1 (QEMU/KVM; Bochs checks CS.L && CS.D unconditionally)
  {
    name: 'long_mode_cs_l_and_d',
    failed: (s) => longModePaging(s) && (s.cr4Lo & CR4_PAE) !== 0 &&
      (s.csAttrib & (CS_ATTRIB_L | CS_ATTRIB_D)) === (CS_ATTRIB_L | CS_ATTRIB_D),
  },
  // 11: VMRUN intercept (word 4 bit 0) clear
  { name: 'vmrun_intercept_clear', failed: (s) => (s.interceptWord4 & 1) === 0 },
  // 12: MSRPM or IOPM reaches MAXPHYADDR
  {
    name: 'msrpm_iopm_beyond_maxphyaddr',
    failed: (s, c) => mapBeyondMaxPhys(s.msrpmBaseLo, s.msrpmBaseHi, MSRPM_SIZE, c.maxPhyAddrBits) ||
      mapBeyondMaxPhys(s.iopmBaseLo, s.iopmBaseHi, IOPM_SIZE, c.maxPhyAddrBits),
  },
  // 13: illegal EVENTINJ (svm.md 7); 64-bit mode = LME && PG && CS.L
  {
    name: 'illegal_eventinj',
    failed: (s) => !eventInjIsLegal(s.eventInjLo, longModePaging(s) && (s.csAttrib & CS_ATTRIB_L) !== 0),
  },
  // 14: guest ASID = 0
  { name: 'asid_zero', failed: (s) => s.asid === 0 },
  // 15: NP_ENABLE without NP support, with host CR0.PG = 0, or with N_CR3 bits beyond MAXPHYADDR (Bochs)
  {
    name: 'np_unsupported_or_bad_ncr3',
    failed: (s, c) => s.npEnable &&
      (!c.npSupported || !s.hostPaging || bitsAtOrAbove(s.nCr3Lo, s.nCr3Hi, c.maxPhyAddrBits)),
  },
  // 16: NP_ENABLE with an invalid G_PAT memory type
  { name: 'g_pat_invalid_type', failed: (s) => s.npEnable && !(patDwordValid(s.gPatLo) && patDwordValid(s.gPatHi)) },
] as VmrunCheck[]);

/** Name of the first failed check in VMRUN_CHECKS order, or null if VMRUN may proceed. */
export function firstFailedCheck(s: VmrunCheckState, caps: VmrunCaps): VmrunCheckName | null {
  for (const c of VMRUN_CHECKS) if (c.failed(s, caps)) return c.name;
  return null;
}

/** Names of every failed check (diagnostics and tests). */
export function failedChecks(s: VmrunCheckState, caps: VmrunCaps): VmrunCheckName[] {
  return VMRUN_CHECKS.filter((c) => c.failed(s, caps)).map((c) => c.name);
}
