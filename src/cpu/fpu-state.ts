// x87 FPU / MMX register state (APM Vol.1 6.2). Owned by the x87 instruction group
// (isa/x87*.ts), which may extend it; FXSAVE/FXRSTOR read and write it.
export class FpuState {
  /** ST registers by physical slot R0-R7, as doubles (see isa/x87 for the precision model). */
  readonly st = new Float64Array(8);
  /** MMX view / exact 64-bit mantissa per physical slot: lo, hi int32 pairs. */
  readonly mm = new Int32Array(16);
  fcw = 0x037f;
  fsw = 0;
  /** Full 16-bit tag word (2 bits per register; 3 = empty). */
  ftw = 0xffff;
  fop = 0;
  fipLo = 0; fipHi = 0; fcs = 0;
  fdpLo = 0; fdpHi = 0; fds = 0;

  get top(): number { return (this.fsw >> 11) & 7; }
  set top(v: number) { this.fsw = (this.fsw & ~0x3800) | ((v & 7) << 11); }

  reset(): void {
    this.st.fill(0); this.mm.fill(0);
    this.fcw = 0x037f; this.fsw = 0; this.ftw = 0xffff; this.fop = 0;
    this.fipLo = this.fipHi = this.fcs = this.fdpLo = this.fdpHi = this.fds = 0;
  }
}
