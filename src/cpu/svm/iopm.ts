// I/O permission map and IOIO EXITINFO1. svm.md 6.1 and 8 / APM Vol.2 15.10.
// One bit per port (set = intercept). 12 KiB: ports 0-FFFFh use 8 KiB, the
// rest covers multi-byte accesses that run past FFFFh.

import type { PhysMem } from '../phys-mem';

export const IOPM_SIZE = 12288;

/**
 * Does an access of sizeBytes (1, 2 or 4) at port hit a set IOPM bit? The bits
 * of every byte port..port+size-1 are ORed. Like Bochs, reads the two bytes at
 * iopm + port/8 and tests ((1 << size) - 1) << (port & 7). Bits 11:0 of
 * iopmHpa are ignored (svm.md 3, IOPM_BASE_PA).
 */
export function ioAccessIntercepted(mem: PhysMem, iopmHpa: number, port: number, sizeBytes: number): boolean {
  const a = iopmHpa - (iopmHpa & 0xfff) + ((port & 0xffff) >>> 3);
  const bits = mem.read8(a) | (mem.read8(a + 1) << 8);
  return (bits & (((1 << sizeBytes) - 1) << (port & 7))) !== 0;
}

/** Sets or clears the intercept bit of one port; for the hypervisor. */
export function setIoIntercept(mem: PhysMem, iopmHpa: number, port: number, on: boolean): void {
  const a = iopmHpa - (iopmHpa & 0xfff) + ((port & 0xffff) >>> 3);
  const m = 1 << (port & 7);
  const b = mem.read8(a);
  mem.write8(a, on ? b | m : b & ~m & 0xff);
}

/** IOIO EXITINFO1 bits. svm.md 6.1 */
export const Ioio = Object.freeze({
  TYPE_IN: 1 << 0,
  STR: 1 << 2,
  REP: 1 << 3,
  SZ8: 1 << 4,
  SZ16: 1 << 5,
  SZ32: 1 << 6,
  A16: 1 << 7,
  A32: 1 << 8,
  A64: 1 << 9,
  SEG_SHIFT: 10,
  PORT_SHIFT: 16,
});

export interface IoioInfo {
  isIn: boolean;
  isString: boolean;
  isRep: boolean;
  sizeBytes: 1 | 2 | 4;
  addrSize: 16 | 32 | 64;
  /** Segment of a string source (decode assists): 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS. */
  segment?: number;
  port: number;
}

/** Builds the IOIO EXITINFO1 low dword (unsigned 32-bit; the high dword is 0). svm.md 6.1 */
export function buildIoioExitInfo1(i: IoioInfo): number {
  const sz = i.sizeBytes === 1 ? Ioio.SZ8 : i.sizeBytes === 2 ? Ioio.SZ16 : i.sizeBytes === 4 ? Ioio.SZ32 : -1;
  const a = i.addrSize === 16 ? Ioio.A16 : i.addrSize === 32 ? Ioio.A32 : i.addrSize === 64 ? Ioio.A64 : -1;
  const seg = i.segment ?? 0;
  if (sz < 0 || a < 0 || !(seg >= 0 && seg <= 5)) {
    throw new RangeError(`bad IOIO info: size ${i.sizeBytes}, address size ${i.addrSize}, segment ${seg}`);
  }
  return (
    ((i.port & 0xffff) << Ioio.PORT_SHIFT) |
    (seg << Ioio.SEG_SHIFT) |
    a |
    sz |
    (i.isRep ? Ioio.REP : 0) |
    (i.isString ? Ioio.STR : 0) |
    (i.isIn ? Ioio.TYPE_IN : 0)
  ) >>> 0;
}

/** Decodes an IOIO EXITINFO1 low dword (for the hypervisor's exit handler). */
export function decodeIoioExitInfo1(info1: number): IoioInfo {
  return {
    isIn: (info1 & Ioio.TYPE_IN) !== 0,
    isString: (info1 & Ioio.STR) !== 0,
    isRep: (info1 & Ioio.REP) !== 0,
    sizeBytes: info1 & Ioio.SZ32 ? 4 : info1 & Ioio.SZ16 ? 2 : 1,
    addrSize: info1 & Ioio.A64 ? 64 : info1 & Ioio.A32 ? 32 : 16,
    segment: (info1 >>> Ioio.SEG_SHIFT) & 7,
    port: info1 >>> Ioio.PORT_SHIFT,
  };
}
