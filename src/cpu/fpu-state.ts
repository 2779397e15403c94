// x87 FPU / MMX register state (APM Vol.1 6.2). Owned by the x87 instruction group
// (isa/x87*.ts); FXSAVE/FXRSTOR (isa/fxsave.ts) read and write it.
//
// Precision model: every register holds an exact 80-bit extended value, by physical
// slot R0-R7: a 64-bit significand (mant[2i] low, mant[2i+1] high, explicit integer
// bit in bit 63) and a 16-bit sign/exponent (sexp[i]). Loads, stores, integer and BCD
// conversions, FXCH, FCHS/FABS, compares, and save/restore are bit-exact. Arithmetic
// is computed in IEEE double (isa/x87-conv.ts) and the result stored exactly, so it
// matches hardware with precision control = double (53 bits) and loses the low 11
// significand bits under precision control = extended.
//
// MMX registers MM0-7 alias the significands of R0-R7 (mant) directly. Slot 8 is a
// scratch register for memory operands (not architectural).
export class FpuState {
  /** Significand per physical slot: lo, hi int32 pairs. Also the MMX registers MM0-MM7. */
  readonly mant = new Int32Array(18);
  /** Sign (bit 15) and biased exponent (bits 0-14) per physical slot. */
  readonly sexp = new Uint16Array(9);
  fcw = 0x037f;
  /** Status word; TOP lives in bits 11-13. */
  fsw = 0;
  /** Abridged tag word: bit i set = physical register i holds a value (FXSAVE format). */
  tags = 0;
  /** Last non-control instruction: opcode (11 bits), instruction and data pointers. */
  fop = 0;
  fipLo = 0; fipHi = 0; fcs = 0;
  fdpLo = 0; fdpHi = 0; fds = 0;

  /** MMX alias (same array as mant). */
  get mm(): Int32Array { return this.mant; }

  get top(): number { return (this.fsw >> 11) & 7; }
  set top(v: number) { this.fsw = (this.fsw & ~0x3800) | ((v & 7) << 11); }

  /** FNINIT state (APM Vol.1 6.2.10); register contents are kept. */
  init(): void {
    this.fcw = 0x037f; this.fsw = 0; this.tags = 0; this.fop = 0;
    this.fipLo = this.fipHi = this.fcs = this.fdpLo = this.fdpHi = this.fds = 0;
  }

  /** Power-on/RESET state: registers zeroed too. */
  reset(): void {
    this.mant.fill(0); this.sexp.fill(0);
    this.init();
    this.fcw = 0x0040;
  }

  /** Full 16-bit tag word (2 bits per physical register: 0 valid, 1 zero, 2 special, 3 empty). */
  fullTagWord(): number {
    let w = 0;
    for (let i = 0; i < 8; i++) {
      let t = 3;
      if ((this.tags >> i) & 1) {
        const e = this.sexp[i] & 0x7fff, lo = this.mant[2 * i], hi = this.mant[2 * i + 1];
        if (e === 0x7fff) t = 2;
        else if (e === 0) t = (lo | hi) === 0 ? 1 : 2;
        else t = hi < 0 ? 0 : 2;
      }
      w |= t << (2 * i);
    }
    return w;
  }
  /** Load from a full tag word: only "empty" (3) matters; the rest is recomputed from contents. */
  setFullTagWord(w: number): void {
    let t = 0;
    for (let i = 0; i < 8; i++) if (((w >> (2 * i)) & 3) !== 3) t |= 1 << i;
    this.tags = t;
  }
}
