// Shared plumbing for the SSE groups (APM Vol.1 4, Vol.4): availability checks,
// 128-bit operand fetch into scratch buffers, alignment, write-back, MXCSR commit.
// Scratch buffers are allocated once at load; handlers copy lanes, never allocate.
import type { Cpu } from '../cpu';
import { raiseGP, raiseNM, raiseUD, raiseXF } from '../exceptions';
import { read32, read64, write32, write64 } from '../mmu';
import { eaPlus } from '../operands';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXMMEXCPT } from '../regs';

function views(buf: ArrayBuffer) {
  return {
    i32: new Int32Array(buf), u32: new Uint32Array(buf), i16: new Int16Array(buf), u16: new Uint16Array(buf),
    i8: new Int8Array(buf), u8: new Uint8Array(buf), f32: new Float32Array(buf), f64: new Float64Array(buf),
  };
}
/** A: copy of the destination (first source); B: second source; R: result. */
export const A = views(new ArrayBuffer(16));
export const B = views(new ArrayBuffer(16));
export const R = views(new ArrayBuffer(16));
export const A32 = A.i32, B32 = B.i32, R32 = R.i32;

/** #UD if CR0.EM or !CR4.OSFXSR, #NM if CR0.TS (APM Vol.2 11.5). */
export function sseCheck(c: Cpu): void {
  if ((c.cr0 & CR0_EM) !== 0 || (c.cr4 & CR4_OSFXSR) === 0) raiseUD(c);
  if ((c.cr0 & CR0_TS) !== 0) raiseNM(c);
}

/** #GP(0) unless the memory operand's linear address is 16-byte aligned. */
export function checkAlign16(c: Cpu): void {
  const seg = c.eaSeg;
  const base = c.mode64 && seg < 4 ? 0 : c.segBaseLo[seg];
  if (((c.eaLo + base) & 15) !== 0) raiseGP(c, 0);
}

/** Read 16 bytes at the memory operand + 0 into `dst`. */
export function readMem128(c: Cpu, dst: Int32Array): void {
  const seg = c.eaSeg;
  let lo = read64(c, seg, c.eaLo, c.eaHi);
  let hi = c.tHi;
  const o = eaPlus(c, 8);
  const lo2 = read64(c, seg, o, c.tHi);
  dst[0] = lo; dst[1] = hi; dst[2] = lo2; dst[3] = c.tHi;
}
/** Write 16 bytes from `src[off..off+3]` to the memory operand (both halves checked first by write64 order). */
export function writeMem128(c: Cpu, src: Int32Array, off: number): void {
  const seg = c.eaSeg;
  const o = eaPlus(c, 8);
  const oh = c.tHi;
  // Probe the high half first so a fault leaves memory untouched.
  write64(c, seg, o, oh, src[off + 2], src[off + 3]);
  write64(c, seg, c.eaLo, c.eaHi, src[off], src[off + 1]);
}

/** B <- second operand (xmm E or m128); `align` enforces 16-byte alignment. */
export function loadB(c: Cpu, align: boolean): void {
  if (c.mod === 3) {
    const x = c.xmm, e = c.regE << 2;
    B32[0] = x[e]; B32[1] = x[e + 1]; B32[2] = x[e + 2]; B32[3] = x[e + 3];
  } else {
    if (align) checkAlign16(c);
    readMem128(c, B32);
  }
}
/** B[0..1] <- low 64 bits of xmm E or m64 (B[2..3] hold xmm E's high half for register forms). */
export function loadB64(c: Cpu): void {
  if (c.mod === 3) {
    const x = c.xmm, e = c.regE << 2;
    B32[0] = x[e]; B32[1] = x[e + 1]; B32[2] = x[e + 2]; B32[3] = x[e + 3];
  } else {
    B32[0] = read64(c, c.eaSeg, c.eaLo, c.eaHi);
    B32[1] = c.tHi;
  }
}
/** B[0] <- low 32 bits of xmm E or m32. */
export function loadB32(c: Cpu): void {
  if (c.mod === 3) B32[0] = c.xmm[c.regE << 2];
  else B32[0] = read32(c, c.eaSeg, c.eaLo, c.eaHi);
}
/** A <- xmm G. */
export function loadA(c: Cpu): void {
  const x = c.xmm, g = c.regG << 2;
  A32[0] = x[g]; A32[1] = x[g + 1]; A32[2] = x[g + 2]; A32[3] = x[g + 3];
}
/** xmm G <- R. */
export function storeR(c: Cpu): void {
  const x = c.xmm, g = c.regG << 2;
  x[g] = R32[0]; x[g + 1] = R32[1]; x[g + 2] = R32[2]; x[g + 3] = R32[3];
}
/** xmm E or m128 <- xmm G (stores; `align` for MOVAPS-style forms). */
export function storeGtoE(c: Cpu, align: boolean): void {
  const x = c.xmm, g = c.regG << 2;
  if (c.mod === 3) {
    const e = c.regE << 2;
    x[e] = x[g]; x[e + 1] = x[g + 1]; x[e + 2] = x[g + 2]; x[e + 3] = x[g + 3];
  } else {
    if (align) checkAlign16(c);
    writeMem128(c, x, g);
  }
}
/** Write the low 32 bits of xmm G to m32. */
export function storeMem32(c: Cpu, v: number): void {
  write32(c, c.eaSeg, c.eaLo, c.eaHi, v);
}
export function storeMem64(c: Cpu, lo: number, hi: number): void {
  write64(c, c.eaSeg, c.eaLo, c.eaHi, lo, hi);
}

/** #UD for a register operand where only memory is allowed (and vice versa). */
export function requireMem(c: Cpu): void {
  if (c.mod === 3) raiseUD(c);
}
export function requireReg(c: Cpu): void {
  if (c.mod !== 3) raiseUD(c);
}

// ---- MXCSR (APM Vol.1 4.2.2).
export const MX_IE = 1, MX_DE = 2, MX_ZE = 4, MX_OE = 8, MX_UE = 16, MX_PE = 32, MX_DAZ = 0x40, MX_FTZ = 0x8000;

/** Merge the exception flags an instruction detected; unmasked ones raise #XM (or #UD if !CR4.OSXMMEXCPT). */
export function commitFlags(c: Cpu, flags: number): void {
  if (flags === 0) return;
  c.mxcsr |= flags;
  if ((flags & ~(c.mxcsr >> 7) & 0x3f) !== 0) {
    if ((c.cr4 & CR4_OSXMMEXCPT) !== 0) raiseXF(c);
    raiseUD(c);
  }
}
