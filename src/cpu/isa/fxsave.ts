// 0F AE group: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, LFENCE, MFENCE, SFENCE, CLFLUSH
// (APM Vol.4 FXSAVE/FXRSTOR, Intel SDM Vol.1 Table 10-2/10-3: the 512-byte legacy image).
// XSAVE and its relatives are not offered (#UD).
import type { Cpu } from '../cpu';
import { raiseGP, raiseMF, raiseNM, raiseUD } from '../exceptions';
import { read8, read32, read64, write32, write64 } from '../mmu';
import { eaPlus } from '../operands';
import { CR0_EM, CR0_TS, CR4_OSFXSR, EFER_FFXSR } from '../regs';
import { OP_0F, def } from './table';

/** MXCSR bits that may be set (MXCSR_MASK; DAZ supported). */
export const MXCSR_MASK = 0xffff;
const IMG = new Uint8Array(512);
const DV = new DataView(IMG.buffer);

/** Our state → a 512-byte FXSAVE image (64-bit REX.W layout unless `wide` is false). */
export function storeFxsaveImage(c: Cpu, out: Uint8Array, wide = true, xmmCount = 16): void {
  const f = c.fpu;
  const d = new DataView(out.buffer, out.byteOffset, 512);
  d.setUint16(0, f.fcw, true);
  d.setUint16(2, f.fsw, true);
  d.setUint8(4, f.tags);
  d.setUint8(5, 0);
  d.setUint16(6, f.fop & 0x7ff, true);
  d.setInt32(8, f.fipLo, true);
  d.setInt32(16, f.fdpLo, true);
  if (wide) { d.setInt32(12, f.fipHi, true); d.setInt32(20, f.fdpHi, true); }
  else { d.setUint32(12, f.fcs & 0xffff, true); d.setUint32(20, f.fds & 0xffff, true); }
  d.setUint32(24, c.mxcsr, true);
  d.setUint32(28, MXCSR_MASK, true);
  const top = (f.fsw >> 11) & 7;
  for (let k = 0; k < 8; k++) {
    const p = (top + k) & 7, o = 32 + 16 * k;
    d.setInt32(o, f.mant[2 * p], true);
    d.setInt32(o + 4, f.mant[2 * p + 1], true);
    d.setUint16(o + 8, f.sexp[p], true);
    d.setUint16(o + 10, 0, true); d.setUint32(o + 12, 0, true);
  }
  for (let r = 0; r < xmmCount; r++) for (let l = 0; l < 4; l++) d.setInt32(160 + 16 * r + 4 * l, c.xmm[4 * r + l], true);
}

/** A 512-byte FXSAVE image → our state (MXCSR taken as is; FXRSTOR validates it first). */
export function loadFxsaveImage(c: Cpu, img: Uint8Array, wide = true, xmmCount = 16): void {
  const f = c.fpu;
  const d = new DataView(img.buffer, img.byteOffset, 512);
  f.fcw = d.getUint16(0, true);
  f.fsw = d.getUint16(2, true);
  f.tags = d.getUint8(4);
  f.fop = d.getUint16(6, true) & 0x7ff;
  f.fipLo = d.getInt32(8, true);
  f.fdpLo = d.getInt32(16, true);
  if (wide) { f.fipHi = d.getInt32(12, true); f.fdpHi = d.getInt32(20, true); f.fcs = 0; f.fds = 0; }
  else { f.fipHi = 0; f.fdpHi = 0; f.fcs = d.getUint16(12, true); f.fds = d.getUint16(20, true); }
  c.mxcsr = d.getUint32(24, true) & MXCSR_MASK;
  const top = (f.fsw >> 11) & 7;
  for (let k = 0; k < 8; k++) {
    const p = (top + k) & 7, o = 32 + 16 * k;
    f.mant[2 * p] = d.getInt32(o, true);
    f.mant[2 * p + 1] = d.getInt32(o + 4, true);
    f.sexp[p] = d.getUint16(o + 8, true);
  }
  for (let r = 0; r < xmmCount; r++) for (let l = 0; l < 4; l++) c.xmm[4 * r + l] = d.getInt32(160 + 16 * r + 4 * l, true);
}

/** #NM (CR0.EM/TS) and the 16-byte alignment #GP of FXSAVE/FXRSTOR. */
function fxCheck(c: Cpu): void {
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) raiseNM(c);
  if ((c.eaLo & 15) !== 0) raiseGP(c, 0);
}
function xmmCount(c: Cpu): number {
  if ((c.cr4 & CR4_OSFXSR) === 0) return 0;
  // Fast FXSAVE/FXRSTOR (EFER.FFXSR) skips the XMM registers at CPL 0 in 64-bit mode.
  if ((c.efer & EFER_FFXSR) !== 0 && c.mode64 && c.cpl === 0) return 0;
  return c.mode64 ? 16 : 8;
}

function fxsave(c: Cpu): void {
  fxCheck(c);
  const n = xmmCount(c);
  // Keep the parts of memory we do not write (reserved area, XMM not saved).
  for (let o = 0; o < 512; o += 4) DV.setInt32(o, read32(c, c.eaSeg, eaPlus(c, o), c.tHi), true);
  storeFxsaveImage(c, IMG, c.opSize === 8, n);
  for (let o = 0; o < 512; o += 8) write64(c, c.eaSeg, eaPlus(c, o), c.tHi, DV.getInt32(o, true), DV.getInt32(o + 4, true));
}

function fxrstor(c: Cpu): void {
  fxCheck(c);
  for (let o = 0; o < 512; o += 8) {
    const lo = read64(c, c.eaSeg, eaPlus(c, o), c.tHi);
    DV.setInt32(o, lo, true); DV.setInt32(o + 4, c.tHi, true);
  }
  if ((DV.getUint32(24, true) & ~MXCSR_MASK) !== 0) raiseGP(c, 0);
  loadFxsaveImage(c, IMG, c.opSize === 8, xmmCount(c));
}

/** LDMXCSR / STMXCSR: #UD without CR4.OSFXSR or with CR0.EM; #NM with CR0.TS. */
function mxcsrCheck(c: Cpu): void {
  if ((c.cr4 & CR4_OSFXSR) === 0 || (c.cr0 & CR0_EM) !== 0) raiseUD(c);
  if ((c.cr0 & CR0_TS) !== 0) raiseNM(c);
}

function grp15(c: Cpu): void {
  const reg = (c.modrm >> 3) & 7;
  if (c.mod === 3) {
    // LFENCE / MFENCE / SFENCE: ordering is trivially satisfied by this CPU.
    if (reg >= 5 && c.simdPrefix !== 0xf3 && c.simdPrefix !== 0xf2) return;
    raiseUD(c);
  }
  if (c.simdPrefix === 0xf3 || c.simdPrefix === 0xf2) raiseUD(c);
  switch (reg) {
    case 0: fxsave(c); return;
    case 1: fxrstor(c); return;
    case 2: {
      mxcsrCheck(c);
      const v = read32(c, c.eaSeg, c.eaLo, c.eaHi);
      if ((v & ~MXCSR_MASK) !== 0) raiseGP(c, 0);
      c.mxcsr = v;
      return;
    }
    case 3: mxcsrCheck(c); write32(c, c.eaSeg, c.eaLo, c.eaHi, c.mxcsr); return;
    case 7: read8(c, c.eaSeg, c.eaLo, c.eaHi); return; // CLFLUSH / CLFLUSHOPT
    default: raiseUD(c); // XSAVE, XRSTOR, XSAVEOPT: not offered
  }
}

/** EMMS (0F 77): all x87 tags empty (SDM EMMS). */
function emms(c: Cpu): void {
  if ((c.cr0 & CR0_EM) !== 0) raiseUD(c);
  if ((c.cr0 & CR0_TS) !== 0) raiseNM(c);
  const f = c.fpu;
  if ((f.fsw & 0x80) !== 0 && (c.cr0 & 0x20) !== 0) raiseMF(c);
  f.tags = 0;
}

export function registerFxsaveGroup(): void {
  def(OP_0F | 0xae, 'grp15', { modrm: true }, grp15);
  def(OP_0F | 0x77, 'emms', {}, emms);
}
