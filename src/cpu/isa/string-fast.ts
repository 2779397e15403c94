// Fast paths for REP MOVS / REP STOS (APM Vol.3 MOVS, STOS): a run of
// elements that stays inside one source page and one destination page is done with
// typed-array copies after one translation per page. They are used only when the result
// is exactly that of element-by-element execution: flat segments, no overlap hazard,
// backed memory, no decoded code in the destination page. Each returns the number of
// elements done (0: the caller takes the generic path) and updates rSI/rDI/rCX.
import type { Cpu } from '../cpu';
import { linear } from '../mmu';
import { ACCESS_READ, ACCESS_WRITE, translate } from '../paging';
import { tlbSlot } from '../tlb';
import { ES, RDI, RSI } from '../regs';

const TWO32 = 0x100000000;

/** Host-physical page of a linear page, from the TLB or a walk (which may fault); -1 if unbacked. */
function pageHpa(c: Cpu, lo: number, hi: number, write: boolean): number {
  const t = c.tlb;
  const i = tlbSlot(lo, hi, c.asidTag);
  if (t.pageLo[i] === lo >>> 12 && t.tagHi[i] === ((hi & 0xffff) | c.asidTag) && (t.rights[i] & (write ? c.wrRight : c.rdRight)) !== 0) {
    return t.hpa[i];
  }
  t.misses++;
  const hpa = translate(c, lo, hi, write ? ACCESS_WRITE : ACCESS_READ);
  const page = hpa - (hpa % 4096);
  return page + 4096 <= c.mem.size ? page : -1;
}

/** Add `bytes` (may be negative) to index register r at address size w. */
export function advanceBy(c: Cpu, r: number, bytes: number, w: number): void {
  const g = c.gpr, i = r << 1;
  if (w === 8) {
    const s = (g[i] >>> 0) + bytes;
    g[i] = s | 0;
    if (s >= TWO32) g[i + 1] = (g[i + 1] + 1) | 0;
    else if (s < 0) g[i + 1] = (g[i + 1] - 1) | 0;
  } else if (w === 4) {
    g[i] = (g[i] + bytes) | 0;
    g[i + 1] = 0;
  } else g[i] = (g[i] & ~0xffff) | ((g[i] + bytes) & 0xffff);
}
/** Subtract n (n <= count) from the count register at address size w. */
export function subCount(c: Cpu, n: number, w: number): void {
  const g = c.gpr;
  if (w === 8) {
    const s = (g[2] >>> 0) - n;
    g[2] = s | 0;
    if (s < 0) g[3] = (g[3] - 1) | 0;
  } else if (w === 4) {
    g[2] = (g[2] - n) | 0;
    g[3] = 0;
  } else g[2] = (g[2] & ~0xffff) | ((g[2] - n) & 0xffff);
}

/** Elements allowed by the count, the step budget and 32-bit offset wrap; 0 if the fast path does not apply. */
function runLength(c: Cpu, s: number, max: number, indexLo: number, back: boolean): number {
  const w = c.adSize;
  if (w === 2) return 0;
  let n = max;
  const g = c.gpr;
  if ((w === 4 || g[3] === 0) && g[2] >>> 0 < n) n = g[2] >>> 0;
  if (w === 4) n = Math.min(n, wrapLimit(indexLo, s, back));
  return n;
}
/** Elements before a 32-bit offset wraps. */
function wrapLimit(indexLo: number, s: number, back: boolean): number {
  return back ? Math.floor((indexLo >>> 0) / s) + 1 : Math.floor((TWO32 - (indexLo >>> 0)) / s);
}
/** Elements of size s from page offset po to the end (forward) or start (backward) of its page. */
function pageLimit(po: number, s: number, back: boolean): number {
  if (back) return po + s > 4096 ? 0 : ((po / s) | 0) + 1;
  return ((4096 - po) / s) | 0;
}

/** REP MOVS: up to `max` elements of size s, in the direction of DF (`back`). */
export function movsFast(c: Cpu, s: number, srcSeg: number, max: number, back: boolean): number {
  if (!c.mode64 && ((c.segFast[srcSeg] & 1) === 0 || (c.segFast[ES] & 2) === 0)) return 0;
  const g = c.gpr, w = c.adSize;
  let n = runLength(c, s, max, g[RSI << 1], back);
  if (w === 4) n = Math.min(n, wrapLimit(g[RDI << 1], s, back));
  if (n < 2) return 0;
  const sLo = linear(c, srcSeg, g[RSI << 1], w === 8 ? g[(RSI << 1) | 1] : 0, s, false), sHi = c.linHi;
  const dLo = linear(c, ES, g[RDI << 1], w === 8 ? g[(RDI << 1) | 1] : 0, s, true), dHi = c.linHi;
  n = Math.min(n, pageLimit(sLo & 0xfff, s, back), pageLimit(dLo & 0xfff, s, back));
  if (n < 2) return 0;
  const sp = pageHpa(c, sLo, sHi, false);
  if (sp < 0) return 0;
  const dp = pageHpa(c, dLo, dHi, true);
  if (dp < 0) return 0;
  const m = c.mem;
  if (m.codePage[dp / 4096] !== 0) return 0;
  const bytes = n * s;
  let sa = sp + (sLo & 0xfff), da = dp + (dLo & 0xfff);
  if (back) { sa -= bytes - s; da -= bytes - s; }
  // Copying towards an overlapping place behind the source repeats a pattern element
  // by element, which a block move (memmove) does not.
  if (back ? da < sa && da + bytes > sa : da > sa && da < sa + bytes) return 0;
  m.u8.copyWithin(da, sa, sa + bytes);
  advanceBy(c, RSI, back ? -bytes : bytes, w);
  advanceBy(c, RDI, back ? -bytes : bytes, w);
  subCount(c, n, w);
  return n;
}

/** REP STOS: up to `max` elements of size s from rAX, in the direction of DF (`back`). */
export function stosFast(c: Cpu, s: number, max: number, back: boolean): number {
  if (!c.mode64 && (c.segFast[ES] & 2) === 0) return 0;
  const g = c.gpr, w = c.adSize;
  let n = runLength(c, s, max, g[RDI << 1], back);
  if (n < 2) return 0;
  const dLo = linear(c, ES, g[RDI << 1], w === 8 ? g[(RDI << 1) | 1] : 0, s, true), dHi = c.linHi;
  n = Math.min(n, pageLimit(dLo & 0xfff, s, back));
  if (n < 2) return 0;
  const dp = pageHpa(c, dLo, dHi, true);
  if (dp < 0) return 0;
  const m = c.mem;
  if (m.codePage[dp / 4096] !== 0) return 0;
  const bytes = n * s, u8 = m.u8;
  const da = dp + (dLo & 0xfff) - (back ? bytes - s : 0);
  if (s === 1) u8.fill(g[0] & 0xff, da, da + bytes);
  else {
    // One element, then doubling copies of the pattern.
    const dv = m.dv;
    if (s === 2) dv.setUint16(da, g[0] & 0xffff, true);
    else {
      dv.setInt32(da, g[0], true);
      if (s === 8) dv.setInt32(da + 4, g[1], true);
    }
    for (let k = s; k < bytes; k <<= 1) u8.copyWithin(da + k, da, da + Math.min(k, bytes - k));
  }
  advanceBy(c, RDI, back ? -bytes : bytes, w);
  subCount(c, n, w);
  return n;
}
