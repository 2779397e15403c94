// Flag instructions and XLAT: LAHF, SAHF, CLC, STC, CMC, CLD, STD (APM Vol.3).
// LAHF/SAHF are valid in 64-bit mode (CPUID 8000_0001 ECX.LahfSahf = 1).
import type { Cpu } from '../cpu';
import { materializeFlags, readFlags } from '../flags';
import { read8 } from '../mmu';
import { def } from './table';
import { AF, CF, DF, DS, PF, SF, ZF } from '../regs';

const SAHF_BITS = SF | ZF | AF | PF | CF;

/** XLAT: AL = [seg:rBX + AL] with rBX by address size (APM Vol.3 XLAT). */
function xlat(c: Cpu): void {
  const g = c.gpr;
  const al = g[0] & 0xff;
  let lo: number, hi = 0;
  if (c.adSize === 8) {
    const s = (g[6] >>> 0) + al;
    lo = s | 0;
    hi = s > 0xffffffff ? (g[7] + 1) | 0 : g[7];
  } else if (c.adSize === 4) lo = (g[6] + al) | 0;
  else lo = (g[6] + al) & 0xffff;
  const v = read8(c, c.segOverride >= 0 ? c.segOverride : DS, lo, hi);
  g[0] = (g[0] & ~0xff) | v;
}

export function registerMiscFlags(): void {
  // AH is implicit: REX does not turn it into SPL.
  def(0x9f, 'lahf', {}, (c) => {
    c.gpr[0] = (c.gpr[0] & ~0xff00) | ((readFlags(c) & (SAHF_BITS | 2)) << 8) | 0x200;
  });
  def(0x9e, 'sahf', {}, (c) => {
    materializeFlags(c);
    c.flags = (c.flags & ~SAHF_BITS) | ((c.gpr[0] >> 8) & SAHF_BITS);
  });
  def(0xf8, 'clc', {}, (c) => { materializeFlags(c); c.flags &= ~CF; });
  def(0xf9, 'stc', {}, (c) => { materializeFlags(c); c.flags |= CF; });
  def(0xf5, 'cmc', {}, (c) => { materializeFlags(c); c.flags ^= CF; });
  def(0xfc, 'cld', {}, (c) => { materializeFlags(c); c.flags &= ~DF; });
  def(0xfd, 'std', {}, (c) => { materializeFlags(c); c.flags |= DF; });
  def(0xd7, 'xlat', {}, xlat);
}
