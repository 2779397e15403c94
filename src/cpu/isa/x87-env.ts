// FSTENV/FNSTENV, FLDENV, FSAVE/FNSAVE, FRSTOR (Intel SDM Vol.1 8.1.10, Figures 8-9..8-12):
// 14-byte (16-bit operand size) or 28-byte (32/64-bit) environment, protected-mode layout
// (real-mode layout in real/V86 mode); FSAVE appends the eight 80-bit registers ST(0)-ST(7).
import type { Cpu } from '../cpu';
import type { FpuState } from '../fpu-state';
import { probeWrite, read16, read32, write16, write32, read64, write64 } from '../mmu';
import { eaPlus } from '../operands';
import { ES, phys } from './x87-core';

function envSize(c: Cpu): number { return c.opSize === 2 ? 14 : 28; }

function w16(c: Cpu, off: number, v: number): void { write16(c, c.eaSeg, eaPlus(c, off), c.tHi, v); }
function w32(c: Cpu, off: number, v: number): void { write32(c, c.eaSeg, eaPlus(c, off), c.tHi, v); }
function r16(c: Cpu, off: number): number { return read16(c, c.eaSeg, eaPlus(c, off), c.tHi); }

/** Store the environment; returns its size. */
export function storeEnv(c: Cpu, f: FpuState, extra: number): number {
  const n = envSize(c);
  probeWrite(c, c.eaSeg, c.eaLo, c.eaHi, n + extra);
  const real = !c.protectedMode || c.v86;
  const step = n === 14 ? 2 : 4;
  const put = n === 14 ? w16 : w32;
  put(c, 0, f.fcw | (n === 14 ? 0 : 0xffff0000));
  put(c, step, f.fsw | (n === 14 ? 0 : 0xffff0000));
  put(c, 2 * step, f.fullTagWord() | (n === 14 ? 0 : 0xffff0000));
  if (real) {
    const ip = f.fipLo + (f.fcs << 4), dp = f.fdpLo + (f.fds << 4);
    put(c, 3 * step, ip & 0xffff);
    put(c, 4 * step, ((ip >>> 4) & 0xf000) | (f.fop & 0x7ff));
    put(c, 5 * step, dp & 0xffff);
    put(c, 6 * step, (dp >>> 4) & 0xf000);
  } else {
    put(c, 3 * step, f.fipLo);
    put(c, 4 * step, n === 14 ? f.fcs : (f.fcs & 0xffff) | ((f.fop & 0x7ff) << 16));
    put(c, 5 * step, f.fdpLo);
    put(c, 6 * step, n === 14 ? f.fds : f.fds & 0xffff);
  }
  // FNSTENV masks all exceptions afterwards (SDM FSTENV).
  return n;
}

export function loadEnv(c: Cpu, f: FpuState): number {
  const n = envSize(c);
  const step = n === 14 ? 2 : 4;
  const fcw = r16(c, 0), fsw = r16(c, step), ftw = r16(c, 2 * step);
  const real = !c.protectedMode || c.v86;
  const ip = r16(c, 3 * step) | (n === 14 ? 0 : r16(c, 3 * step + 2) << 16);
  const w4 = r16(c, 4 * step), w4h = n === 14 ? 0 : r16(c, 4 * step + 2);
  const dp = r16(c, 5 * step) | (n === 14 ? 0 : r16(c, 5 * step + 2) << 16);
  const w6 = r16(c, 6 * step);
  f.fcw = fcw | 0x40; f.fsw = fsw; f.setFullTagWord(ftw);
  if (real) {
    f.fipLo = ip | ((w4 & 0xf000) << 4); f.fop = w4 & 0x7ff; f.fcs = 0; f.fdpLo = dp | ((w6 & 0xf000) << 4); f.fds = 0;
  } else {
    f.fipLo = ip; f.fcs = w4; f.fop = w4h & 0x7ff; f.fdpLo = dp; f.fds = w6;
  }
  f.fipHi = 0; f.fdpHi = 0;
  updateES(f);
  return n;
}

/** ES and B follow the unmasked exception flags after a load of FSW/FCW. */
export function updateES(f: FpuState): void {
  if ((f.fsw & ~f.fcw & 0x3f) !== 0) f.fsw |= ES | 0x8000;
  else f.fsw &= ~(ES | 0x8000);
}

export function fnstenv(c: Cpu, f: FpuState): void {
  storeEnv(c, f, 0);
  f.fcw |= 0x3f;
}

export function fnsave(c: Cpu, f: FpuState): void {
  const n = storeEnv(c, f, 80);
  for (let k = 0; k < 8; k++) {
    const p = phys(f, k);
    const a = eaPlus(c, n + 10 * k);
    write64(c, c.eaSeg, a, c.tHi, f.mant[2 * p], f.mant[2 * p + 1]);
    write16(c, c.eaSeg, eaPlus(c, n + 10 * k + 8), c.tHi, f.sexp[p]);
  }
  f.init();
}

export function frstor(c: Cpu, f: FpuState): void {
  const n = envSize(c);
  // Read everything first so a fault leaves the state unchanged: registers into the
  // temporary slot area is not enough for eight values, so validate by reading twice.
  for (let k = 0; k < 8; k++) { read64(c, c.eaSeg, eaPlus(c, n + 10 * k), c.tHi); read16(c, c.eaSeg, eaPlus(c, n + 10 * k + 8), c.tHi); }
  loadEnv(c, f);
  for (let k = 0; k < 8; k++) {
    const p = phys(f, k);
    const lo = read64(c, c.eaSeg, eaPlus(c, n + 10 * k), c.tHi), hi = c.tHi;
    f.mant[2 * p] = lo; f.mant[2 * p + 1] = hi;
    f.sexp[p] = read16(c, c.eaSeg, eaPlus(c, n + 10 * k + 8), c.tHi);
  }
  void read32;
}
