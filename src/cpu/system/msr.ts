// Model-specific registers and the time-stamp counter: RDMSR, WRMSR, RDTSC, RDTSCP, RDPMC
// (APM Vol.2 App. A; Vol.3). MSR intercept: MSR_PROT (word 3 bit 28) + MSRPM, exit 7Ch
// with EXITINFO1 0 = read, 1 = write (svm.md 6, 8).
import type { Cpu } from '../cpu';
import { checkIntercept, raiseGP, vmexit } from '../exceptions';
import { def, OP_0F } from '../isa/table';
import { msrAccessIntercepted } from '../svm/msrpm';
import { EFER_SUPPORTED } from '../svm/consistency-checks';
import {
  CR0_PG, CR4_PCE, CR4_TSD, EFER_LMA, EFER_LME, FS, GS, MSR_APIC_BASE, MSR_CSTAR, MSR_EFER, MSR_FS_BASE, MSR_GS_BASE,
  MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_PAT, MSR_SFMASK, MSR_STAR, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP,
  MSR_TSC, MSR_TSC_AUX, MSR_VM_CR, MSR_VM_HSAVE_PA, RAX, RCX, RDX,
} from '../regs';
import { SvmExit } from '../svm/exit-codes';

const TWO32 = 0x100000000;

// ---- Time-stamp counter. Host TSC: a 1 GHz clock from performance.now(), strictly
// increasing; WRMSR TSC moves it (per CPU). Guest TSC = host TSC + TSC_OFFSET.
export const TSC_HZ = 1e9;
const tscState = new WeakMap<Cpu, Float64Array>(); // [adjust, last value]
function state(c: Cpu): Float64Array {
  let s = tscState.get(c);
  if (s === undefined) { s = new Float64Array(2); tscState.set(c, s); }
  return s;
}
/** Host TSC as an exact double (< 2^53 for ~100 days). */
export function hostTsc(c: Cpu): number {
  const s = state(c);
  let t = Math.floor(performance.now() * (TSC_HZ / 1000)) + s[0];
  if (t <= s[1]) t = s[1] + 1;
  s[1] = t;
  return t;
}
/** Guest-visible TSC: low half returned, high half in c.tHi. */
export function readTsc(c: Cpu): number {
  const v = hostTsc(c) + (c.guestMode ? c.tscOffset : 0);
  const hi = Math.floor(v / TWO32);
  c.tHi = hi | 0;
  return (v - hi * TWO32) | 0;
}
function writeTsc(c: Cpu, lo: number, hi: number): void {
  const want = (hi >>> 0) * TWO32 + (lo >>> 0) - (c.guestMode ? c.tscOffset : 0);
  const s = state(c);
  s[0] += want - hostTsc(c);
  s[1] = want - 1;
}

// ---- MSR read/write. Values as (lo, hi); reads return lo with hi in c.tHi. Unknown: #GP(0).

/** MTRRs and MSRs Linux probes, kept in c.msrStore with these reset values. */
const STORED = new Map<number, bigint>([
  [0xfe, 0x508n], // MTRRcap: 8 variable ranges, fixed ranges, WC
  [0x2ff, 0n], [0x250, 0n], [0x258, 0n], [0x259, 0n],
  [0x8b, 0n], // patch level
  [0x179, 0n], [0x17a, 0n], [0x17b, 0n], [0x1d9, 0n], // MCG_CAP/STATUS/CTL, DEBUGCTL
  [0xc0010010, 0n], [0xc0010015, 0n], [0xc001001f, 0n], [0xc0010140, 0n], [0xc0010141, 0n], // SYSCFG HWCR NB_CFG OSVW
]);
for (let i = 0; i < 16; i++) STORED.set(0x200 + i, 0n);
for (let i = 0x268; i <= 0x26f; i++) STORED.set(i, 0n);
for (let i = 0; i < 8; i++) STORED.set(0xc0010000 + i, 0n); // PERF_CTL0-3, PERF_CTR0-3
const READ_ONLY = new Set([0xfe, 0x8b]);

function canonical(hi: number): boolean {
  return (hi << 16) >> 16 === hi;
}

export function readMsr(c: Cpu, msr: number): number {
  c.tHi = 0;
  switch (msr >>> 0) {
    case MSR_EFER: return c.efer;
    case MSR_STAR: c.tHi = c.starHi; return c.starLo;
    case MSR_LSTAR: c.tHi = c.lstarHi; return c.lstarLo;
    case MSR_CSTAR: c.tHi = c.cstarHi; return c.cstarLo;
    case MSR_SFMASK: return c.sfmask;
    case MSR_FS_BASE: c.tHi = c.segBaseHi[FS]; return c.segBaseLo[FS];
    case MSR_GS_BASE: c.tHi = c.segBaseHi[GS]; return c.segBaseLo[GS];
    case MSR_KERNEL_GS_BASE: c.tHi = c.kernelGsBaseHi; return c.kernelGsBaseLo;
    case MSR_TSC_AUX: return c.tscAux;
    case MSR_SYSENTER_CS: return c.sysenterCs;
    case MSR_SYSENTER_ESP: c.tHi = c.sysenterEspHi; return c.sysenterEspLo;
    case MSR_SYSENTER_EIP: c.tHi = c.sysenterEipHi; return c.sysenterEipLo;
    case MSR_TSC: return readTsc(c);
    case MSR_PAT: c.tHi = c.patHi; return c.patLo;
    case MSR_VM_CR: return 0;
    case MSR_VM_HSAVE_PA: { const v = c.vmHsavePa; c.tHi = Math.floor(v / TWO32) | 0; return v | 0; }
    case MSR_APIC_BASE: {
      const v = c.msrStore.get(MSR_APIC_BASE) ?? 0xfee00900n;
      c.tHi = Number(v >> 32n) | 0;
      return Number(v & 0xffffffffn) | 0;
    }
  }
  const key = msr >>> 0;
  if (!STORED.has(key)) raiseGP(c, 0);
  const v = c.msrStore.get(key) ?? STORED.get(key)!;
  c.tHi = Number(v >> 32n) | 0;
  return Number(v & 0xffffffffn) | 0;
}

function validPat(lo: number, hi: number): boolean {
  for (let i = 0; i < 8; i++) {
    const t = ((i < 4 ? lo : hi) >>> ((i & 3) * 8)) & 0xff;
    if (t !== 0 && t !== 1 && t !== 4 && t !== 5 && t !== 6 && t !== 7) return false;
  }
  return true;
}

export function writeMsr(c: Cpu, msr: number, lo: number, hi: number): void {
  switch (msr >>> 0) {
    case MSR_EFER: {
      if (hi !== 0 || (lo & ~EFER_SUPPORTED) !== 0) raiseGP(c, 0);
      // LME may not change while paging is on; LMA is read-only.
      if ((c.cr0 & CR0_PG) !== 0 && ((lo ^ c.efer) & EFER_LME) !== 0) raiseGP(c, 0);
      c.efer = (lo & ~EFER_LMA) | (c.efer & EFER_LMA);
      c.updateMode();
      return;
    }
    case MSR_STAR: c.starLo = lo; c.starHi = hi; return;
    case MSR_LSTAR: if (!canonical(hi)) raiseGP(c, 0); c.lstarLo = lo; c.lstarHi = hi; return;
    case MSR_CSTAR: if (!canonical(hi)) raiseGP(c, 0); c.cstarLo = lo; c.cstarHi = hi; return;
    case MSR_SFMASK: c.sfmask = lo; return;
    case MSR_FS_BASE: if (!canonical(hi)) raiseGP(c, 0); c.segBaseLo[FS] = lo; c.segBaseHi[FS] = hi; return;
    case MSR_GS_BASE: if (!canonical(hi)) raiseGP(c, 0); c.segBaseLo[GS] = lo; c.segBaseHi[GS] = hi; return;
    case MSR_KERNEL_GS_BASE: if (!canonical(hi)) raiseGP(c, 0); c.kernelGsBaseLo = lo; c.kernelGsBaseHi = hi; return;
    case MSR_TSC_AUX: if (hi !== 0) raiseGP(c, 0); c.tscAux = lo; return;
    case MSR_SYSENTER_CS: c.sysenterCs = lo & 0xffff; return;
    case MSR_SYSENTER_ESP: c.sysenterEspLo = lo; c.sysenterEspHi = hi; return;
    case MSR_SYSENTER_EIP: c.sysenterEipLo = lo; c.sysenterEipHi = hi; return;
    case MSR_TSC: writeTsc(c, lo, hi); return;
    case MSR_PAT: if (!validPat(lo, hi)) raiseGP(c, 0); c.patLo = lo; c.patHi = hi; return;
    case MSR_VM_CR: if (hi !== 0 || (lo & ~0xf) !== 0) raiseGP(c, 0); return;
    case MSR_VM_HSAVE_PA:
      if ((lo & 0xfff) !== 0 || (hi >>> 8) !== 0) raiseGP(c, 0);
      c.vmHsavePa = (hi >>> 0) * TWO32 + (lo >>> 0);
      return;
    case MSR_APIC_BASE:
      c.msrStore.set(MSR_APIC_BASE, ((BigInt(hi >>> 0) << 32n) | BigInt((lo & ~0x100) >>> 0)) | 0x100n); // BSP stays set
      return;
  }
  const key = msr >>> 0;
  if (!STORED.has(key) || READ_ONLY.has(key)) raiseGP(c, 0);
  c.msrStore.set(key, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

/** The MSR intercept (after the CPL check). */
function msrIntercept(c: Cpu, msr: number, write: boolean): void {
  if (c.guestMode && ((c.intercepts[3] >>> 28) & 1) !== 0 && msrAccessIntercepted(c.mem, c.msrpmHpa, msr, write)) {
    vmexit(c, SvmExit.MSR, write ? 1 : 0, 0, 0, 0);
  }
}

function rdmsr(c: Cpu): void {
  if (c.cpl !== 0 || c.v86) raiseGP(c, 0);
  const msr = c.gpr[RCX << 1];
  msrIntercept(c, msr, false);
  const lo = readMsr(c, msr);
  const hi = c.tHi;
  c.gpr[RAX << 1] = lo; c.gpr[(RAX << 1) | 1] = 0;
  c.gpr[RDX << 1] = hi; c.gpr[(RDX << 1) | 1] = 0;
}
function wrmsr(c: Cpu): void {
  if (c.cpl !== 0 || c.v86) raiseGP(c, 0);
  const msr = c.gpr[RCX << 1];
  msrIntercept(c, msr, true);
  writeMsr(c, msr, c.gpr[RAX << 1], c.gpr[RDX << 1]);
}
function tscAllowed(c: Cpu): void {
  if ((c.cr4 & CR4_TSD) !== 0 && c.cpl !== 0 && c.protectedMode) raiseGP(c, 0);
}
function putEdxEax(c: Cpu, lo: number, hi: number): void {
  c.gpr[RAX << 1] = lo; c.gpr[(RAX << 1) | 1] = 0;
  c.gpr[RDX << 1] = hi; c.gpr[(RDX << 1) | 1] = 0;
}
function rdtsc(c: Cpu): void {
  tscAllowed(c);
  checkIntercept(c, SvmExit.RDTSC);
  const lo = readTsc(c);
  putEdxEax(c, lo, c.tHi);
}
export function rdtscp(c: Cpu): void {
  tscAllowed(c);
  checkIntercept(c, SvmExit.RDTSCP);
  const lo = readTsc(c);
  putEdxEax(c, lo, c.tHi);
  c.gpr[RCX << 1] = c.tscAux; c.gpr[(RCX << 1) | 1] = 0;
}
/** RDPMC: four legacy counters, all reading zero (no events are counted). */
function rdpmc(c: Cpu): void {
  if ((c.cr4 & CR4_PCE) === 0 && c.cpl !== 0 && c.protectedMode) raiseGP(c, 0);
  checkIntercept(c, SvmExit.RDPMC);
  if ((c.gpr[RCX << 1] >>> 0) > 3) raiseGP(c, 0);
  putEdxEax(c, 0, 0);
}

export function registerMsr(): void {
  def(OP_0F | 0x30, 'wrmsr', {}, wrmsr);
  def(OP_0F | 0x32, 'rdmsr', {}, rdmsr);
  def(OP_0F | 0x31, 'rdtsc', {}, rdtsc);
  def(OP_0F | 0x33, 'rdpmc', {}, rdpmc);
}
