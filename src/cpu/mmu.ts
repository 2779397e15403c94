// Memory access from instructions: segmentation (APM Vol.2 4.4-4.12), then the TLB
// fast path, then the page walk (paging.ts) on a miss or a page-crossing access.
// Offsets arrive already truncated to the address size; 64-bit values are (lo, tHi).
import { NO_WINDOW, type Cpu } from './cpu';
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, translate } from './paging';
import { raiseGP, raiseSS } from './exceptions';
import { ATTR_DB, ATTR_P, CS, SS } from './regs';
import { tlbSlot, TLB_R_SUP, TLB_R_USR, TLB_W_SUP, TLB_W_USR, TLB_X_SUP, TLB_X_USR } from './tlb';

/** Change the CPL and the TLB rights every access needs (user = CPL 3). */
export function setCpl(c: Cpu, cpl: number): void {
  c.cpl = cpl;
  const user = cpl === 3;
  c.rdRight = user ? TLB_R_USR : TLB_R_SUP;
  c.wrRight = user ? TLB_W_USR : TLB_W_SUP;
  c.exRight = user ? TLB_X_USR : TLB_X_SUP;
}

/** Recompute segFast[s] after its attributes or limit changed, or the mode changed. */
export function refreshSegment(c: Cpu, s: number): void {
  const a = c.segAttr[s];
  const usable = !c.protectedMode || c.v86 || (a & ATTR_P) !== 0;
  const flat = (c.segLimit[s] | 0) === -1 && (a & 0x14) === 0x10; // data/code (S=1), expand-up (type bit 2 = 0 for data)
  const isCode = (a & 8) !== 0;
  let f = 0;
  if (usable && flat && (!isCode || (a & 2) !== 0 || !c.protectedMode)) f |= 1;
  if (usable && flat && (!isCode || !c.protectedMode) && ((a & 2) !== 0 || !c.protectedMode)) f |= 2;
  c.segFast[s] = f;
}
export function refreshAllSegments(c: Cpu): void {
  for (let s = 0; s < 6; s++) refreshSegment(c, s);
}

function segFault(c: Cpu, seg: number): never {
  return seg === SS ? raiseSS(c, 0) : raiseGP(c, 0);
}

/** Segment type, presence and limit checks for a non-flat segment (APM Vol.2 4.11, 4.12). */
function segCheck(c: Cpu, seg: number, off: number, size: number, write: boolean): void {
  const a = c.segAttr[seg];
  if (c.protectedMode && !c.v86) {
    if ((a & ATTR_P) === 0) segFault(c, seg);
    const isCode = (a & 8) !== 0;
    if (write ? isCode || (a & 2) === 0 : isCode && (a & 2) === 0) segFault(c, seg);
    if (!isCode && (a & 4) !== 0) {
      // Expand-down: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF.
      const upper = (a & ATTR_DB) !== 0 ? 0xffffffff : 0xffff;
      const o = off >>> 0;
      if (o <= c.segLimit[seg] >>> 0 || o + size - 1 > upper) segFault(c, seg);
      return;
    }
  }
  if ((off >>> 0) + size - 1 > c.segLimit[seg] >>> 0) segFault(c, seg);
}

/** Linear address of seg:off (low half returned, high half in c.linHi). */
export function linear(c: Cpu, seg: number, offLo: number, offHi: number, size: number, write: boolean): number {
  if (c.mode64) {
    let lo = offLo, hi = offHi;
    if (seg >= 4) {
      const s = (lo >>> 0) + (c.segBaseLo[seg] >>> 0);
      lo = s | 0;
      hi = (hi + c.segBaseHi[seg] + (s > 0xffffffff ? 1 : 0)) | 0;
    }
    if ((hi << 16) >> 16 !== hi) segFault(c, seg);
    c.linHi = hi;
    return lo;
  }
  if ((c.segFast[seg] & (write ? 2 : 1)) === 0) segCheck(c, seg, offLo, size, write);
  c.linHi = 0;
  return (offLo + c.segBaseLo[seg]) | 0;
}

// ---- Slow paths: TLB miss, page-crossing, unbacked memory.

function hpaFor(c: Cpu, lo: number, hi: number, access: number): number {
  c.tlb.misses++;
  return translate(c, lo, hi, access);
}
function physRead(c: Cpu, hpa: number, size: number): number {
  const m = c.mem;
  return size === 1 ? m.read8(hpa) : size === 2 ? m.read16(hpa) : m.read32(hpa);
}
function physWrite(c: Cpu, hpa: number, size: number, v: number): void {
  const m = c.mem;
  if (size === 1) m.write8(hpa, v); else if (size === 2) m.write16(hpa, v); else m.write32(hpa, v);
}
/** Linear address plus k (k < 16), carrying into the high half. */
let addHi = 0;
function linAdd(lo: number, hi: number, k: number): number {
  const s = (lo >>> 0) + k;
  addHi = s > 0xffffffff ? (hi + 1) | 0 : hi;
  return s | 0;
}

/** Read `size` (1, 2, 4) bytes at a linear address, the slow way. */
export function readLinSlow(c: Cpu, lo: number, hi: number, size: number): number {
  if ((lo & 0xfff) + size <= 4096) return physRead(c, hpaFor(c, lo, hi, ACCESS_READ), size);
  let v = 0;
  for (let i = 0; i < size; i++) {
    const l = linAdd(lo, hi, i);
    v |= c.mem.read8(hpaFor(c, l, addHi, ACCESS_READ)) << (8 * i);
  }
  return v;
}
/** Write `size` (1, 2, 4) bytes at a linear address, the slow way; both pages are checked before any byte is written. */
export function writeLinSlow(c: Cpu, lo: number, hi: number, size: number, v: number): void {
  if ((lo & 0xfff) + size <= 4096) {
    physWrite(c, hpaFor(c, lo, hi, ACCESS_WRITE), size, v);
    return;
  }
  const l2 = linAdd(lo, hi, size - 1);
  const h2 = addHi;
  hpaFor(c, l2, h2, ACCESS_WRITE); // probe the second page first
  for (let i = 0; i < size; i++) {
    const l = linAdd(lo, hi, i);
    c.mem.write8(hpaFor(c, l, addHi, ACCESS_WRITE), (v >>> (8 * i)) & 0xff);
  }
}

// ---- Fast paths.

export function readLin(c: Cpu, lo: number, hi: number, size: number): number {
  const t = c.tlb;
  const i = tlbSlot(lo, hi, c.asidTag);
  const po = lo & 0xfff;
  if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.rdRight) !== 0 && po <= 4096 - size) {
    const a = t.hpa[i] + po;
    const dv = c.mem.dv;
    t.hits++;
    return size === 4 ? dv.getInt32(a, true) : size === 1 ? c.mem.u8[a] : dv.getUint16(a, true);
  }
  return readLinSlow(c, lo, hi, size);
}
export function writeLin(c: Cpu, lo: number, hi: number, size: number, v: number): void {
  const t = c.tlb;
  const i = tlbSlot(lo, hi, c.asidTag);
  const po = lo & 0xfff;
  if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.wrRight) !== 0 && po <= 4096 - size) {
    const page = t.hpa[i];
    if (c.mem.codePage[page >>> 12] === 0) {
      const a = page + po;
      const dv = c.mem.dv;
      t.hits++;
      if (size === 4) dv.setInt32(a, v, true); else if (size === 1) c.mem.u8[a] = v; else dv.setUint16(a, v, true);
      return;
    }
  }
  writeLinSlow(c, lo, hi, size, v);
}

/** Check that a write to seg:off of `size` bytes would succeed (read-modify-write operands, multi-part writes). */
export function probeWrite(c: Cpu, seg: number, offLo: number, offHi: number, size: number): void {
  const lo = linear(c, seg, offLo, offHi, size, true);
  const hi = c.linHi;
  const t = c.tlb;
  const i = tlbSlot(lo, hi, c.asidTag);
  if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.wrRight) !== 0 && (lo & 0xfff) <= 4096 - size) return;
  hpaFor(c, lo, hi, ACCESS_WRITE);
  if ((lo & 0xfff) + size > 4096) {
    const l2 = linAdd(lo, hi, size - 1);
    hpaFor(c, l2, addHi, ACCESS_WRITE);
  }
}

export function read8(c: Cpu, seg: number, offLo: number, offHi: number): number {
  const lo = linear(c, seg, offLo, offHi, 1, false);
  return readLin(c, lo, c.linHi, 1);
}
export function read16(c: Cpu, seg: number, offLo: number, offHi: number): number {
  const lo = linear(c, seg, offLo, offHi, 2, false);
  return readLin(c, lo, c.linHi, 2);
}
export function read32(c: Cpu, seg: number, offLo: number, offHi: number): number {
  const lo = linear(c, seg, offLo, offHi, 4, false);
  return readLin(c, lo, c.linHi, 4);
}
/** 64-bit read: returns the low half; the high half is in c.tHi. */
export function read64(c: Cpu, seg: number, offLo: number, offHi: number): number {
  const lo = linear(c, seg, offLo, offHi, 8, false);
  const hi = c.linHi;
  if ((lo & 0xfff) <= 0xff8) {
    const t = c.tlb;
    const i = tlbSlot(lo, hi, c.asidTag);
    if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.rdRight) !== 0) {
      const a = t.hpa[i] + (lo & 0xfff);
      t.hits++;
      c.tHi = c.mem.dv.getInt32(a + 4, true);
      return c.mem.dv.getInt32(a, true);
    }
  }
  const vLo = readLin(c, lo, hi, 4);
  const l2 = linAdd(lo, hi, 4);
  c.tHi = readLin(c, l2, addHi, 4);
  return vLo;
}
export function write8(c: Cpu, seg: number, offLo: number, offHi: number, v: number): void {
  const lo = linear(c, seg, offLo, offHi, 1, true);
  writeLin(c, lo, c.linHi, 1, v);
}
export function write16(c: Cpu, seg: number, offLo: number, offHi: number, v: number): void {
  const lo = linear(c, seg, offLo, offHi, 2, true);
  writeLin(c, lo, c.linHi, 2, v);
}
export function write32(c: Cpu, seg: number, offLo: number, offHi: number, v: number): void {
  const lo = linear(c, seg, offLo, offHi, 4, true);
  writeLin(c, lo, c.linHi, 4, v);
}
export function write64(c: Cpu, seg: number, offLo: number, offHi: number, vLo: number, vHi: number): void {
  const lo = linear(c, seg, offLo, offHi, 8, true);
  const hi = c.linHi;
  if ((lo & 0xfff) <= 0xff8) {
    const t = c.tlb;
    const i = tlbSlot(lo, hi, c.asidTag);
    if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.wrRight) !== 0) {
      const page = t.hpa[i];
      if (c.mem.codePage[page >>> 12] === 0) {
        const a = page + (lo & 0xfff);
        t.hits++;
        c.mem.dv.setInt32(a, vLo, true);
        c.mem.dv.setInt32(a + 4, vHi, true);
        return;
      }
    }
  } else {
    const l2 = linAdd(lo, hi, 7);
    const h2 = addHi;
    hpaFor(c, l2, h2, ACCESS_WRITE);
  }
  writeLin(c, lo, hi, 4, vLo);
  const l4 = linAdd(lo, hi, 4);
  writeLin(c, l4, addHi, 4, vHi);
}
/** Generic by size (1, 2, 4, 8); 64-bit reads leave the high half in c.tHi. */
export function readMem(c: Cpu, size: number, seg: number, offLo: number, offHi: number): number {
  switch (size) {
    case 1: return read8(c, seg, offLo, offHi);
    case 2: return read16(c, seg, offLo, offHi);
    case 4: return read32(c, seg, offLo, offHi);
    default: return read64(c, seg, offLo, offHi);
  }
}
export function writeMem(c: Cpu, size: number, seg: number, offLo: number, offHi: number, lo: number, hi: number): void {
  switch (size) {
    case 1: write8(c, seg, offLo, offHi, lo); break;
    case 2: write16(c, seg, offLo, offHi, lo); break;
    case 4: write32(c, seg, offLo, offHi, lo); break;
    default: write64(c, seg, offLo, offHi, lo, hi);
  }
}

// ---- Implicit supervisor accesses (descriptor tables, IDT, TSS): APM Vol.2 5.6.

function withSupervisor<T>(c: Cpu, f: () => T): T {
  const save = c.cpl;
  c.implicitSup = true;
  setCpl(c, 0);
  try {
    return f();
  } finally {
    c.implicitSup = false;
    setCpl(c, save);
  }
}
export function readSys(c: Cpu, lo: number, hi: number, size: 1 | 2 | 4): number {
  return withSupervisor(c, () => readLinSlow(c, lo, hi, size));
}
export function writeSys(c: Cpu, lo: number, hi: number, size: 1 | 2 | 4, v: number): void {
  withSupervisor(c, () => writeLinSlow(c, lo, hi, size, v));
}

// ---- Instruction fetch: a window onto the current code page.

/** Next instruction byte at c.nextRip (advancing it); crosses pages and checks CS limit as needed. */
export function fetch8(c: Cpu): number {
  const r = c.nextRip;
  if (r >= c.fetchRipLo && r < c.fetchRipEnd) {
    c.nextRip = r + 1;
    return c.mem.u8[c.fetchHpa + (r - c.fetchRipLo)];
  }
  return fetchSlow(c);
}
function fetchSlow(c: Cpu): number {
  let r = c.nextRip;
  if (!c.mode64) {
    const mask = c.code32 ? 0xffffffff : 0xffff;
    r = r > mask ? r - (mask + 1) : r; // IP wraps within the operand size
    if (r > c.segLimit[CS] >>> 0) raiseGP(c, 0);
  }
  let lo: number, hi: number;
  if (c.mode64) {
    lo = r | 0;
    hi = Math.floor(r / 0x100000000) | 0;
  } else {
    lo = (r + c.segBaseLo[CS]) | 0;
    hi = 0;
  }
  const t = c.tlb;
  const i = tlbSlot(lo, hi, c.asidTag);
  let page: number;
  if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & c.exRight) !== 0) {
    page = t.hpa[i];
    t.hits++;
  } else {
    const hpa = hpaFor(c, lo, hi, ACCESS_EXEC);
    page = hpa - (hpa % 4096);
    if (page + 4096 > c.mem.size) {
      // Fetch from unbacked memory reads all ones; no window.
      c.nextRip = r + 1;
      return 0xff;
    }
  }
  const off = lo & 0xfff;
  c.fetchHpa = page;
  c.fetchRipLo = r - off;
  let end = r - off + 4096;
  if (!c.mode64) end = Math.min(end, (c.segLimit[CS] >>> 0) + 1);
  c.fetchRipEnd = end;
  c.nextRip = r + 1;
  return c.mem.u8[page + off];
}
/** Drop the fetch window (paging, CS or mode changed; TLB flushed). */
export function resetFetch(c: Cpu): void {
  c.fetchRipLo = NO_WINDOW;
  c.fetchRipEnd = 0;
}

