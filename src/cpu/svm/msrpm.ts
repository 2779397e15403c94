// MSR permission map. svm.md 8 / APM Vol.2 15.11.
// 8 KiB, 2 bits per MSR (even = read intercept, odd = write intercept) for
// three ranges of 2000h MSRs; 1800h-1FFFh is reserved.

import type { PhysMem } from '../phys-mem';

export const MSRPM_SIZE = 8192;

/** The three covered ranges: first MSR and byte offset of its bits in the map. */
export const MSRPM_RANGES: ReadonlyArray<{ readonly first: number; readonly byteOffset: number }> = Object.freeze([
  Object.freeze({ first: 0x0000_0000, byteOffset: 0x0000 }),
  Object.freeze({ first: 0xc000_0000, byteOffset: 0x0800 }),
  Object.freeze({ first: 0xc001_0000, byteOffset: 0x1000 }),
]);
const MSRS_PER_RANGE = 0x2000;

/** Bit index of the read bit for msr in the map, or -1 if the MSR is outside the ranges. */
export function msrpmBitIndex(msr: number): number {
  const m = msr >>> 0;
  let base: number;
  if (m < 0x2000) base = 0x0000;
  else if (m >= 0xc000_0000 && m < 0xc000_2000) base = 0x0800;
  else if (m >= 0xc001_0000 && m < 0xc001_2000) base = 0x1000;
  else return -1;
  return base * 8 + (m & (MSRS_PER_RANGE - 1)) * 2;
}

/**
 * Does RDMSR (isWrite false) / WRMSR (true) of msr hit a set MSRPM bit? MSRs
 * outside the three ranges always intercept. Only meaningful when MSR_PROT is
 * set (intercept word 3 bit 28). Bits 11:0 of msrpmHpa are ignored.
 */
export function msrAccessIntercepted(mem: PhysMem, msrpmHpa: number, msr: number, isWrite: boolean): boolean {
  const idx = msrpmBitIndex(msr);
  if (idx < 0) return true;
  const bit = idx + (isWrite ? 1 : 0);
  return ((mem.read8(msrpmHpa - (msrpmHpa & 0xfff) + (bit >>> 3)) >>> (bit & 7)) & 1) !== 0;
}

/** Sets the read and write intercept bits of one MSR; for the hypervisor. Throws for MSRs outside the ranges. */
export function setMsrIntercept(mem: PhysMem, msrpmHpa: number, msr: number, read: boolean, write: boolean): void {
  const idx = msrpmBitIndex(msr);
  if (idx < 0) throw new RangeError(`MSR 0x${(msr >>> 0).toString(16)} is outside the MSRPM ranges (always intercepted)`);
  const a = msrpmHpa - (msrpmHpa & 0xfff) + (idx >>> 3);
  const shift = idx & 7; // even, so both bits share a byte
  const b = mem.read8(a) & ~(3 << shift);
  mem.write8(a, (b | ((read ? 1 : 0) << shift) | ((write ? 2 : 0) << shift)) & 0xff);
}
