// Host physical memory: one flat buffer of 4 KiB pages (ARCHITECTURE.md, cpu/).
// The VMCB, IOPM, MSRPM and all page tables live here, like on a real machine.
// Addresses are host-physical byte offsets (JS numbers < 2^53). Out-of-range
// accesses read as all ones and drop writes, as unbacked bus cycles do.

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class PhysMem {
  readonly size: number;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** One flag per page: the page holds decoded instructions (see cpu/decode-cache). */
  readonly codePage: Uint8Array;
  /** Called when a write hits a page whose codePage flag is set. */
  onCodeWrite: (page: number) => void = () => {};

  constructor(bytes: number) {
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
      throw new RangeError(`host memory size must be a positive multiple of 4096, got ${bytes}`);
    }
    this.size = bytes;
    const buf = new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.codePage = new Uint8Array(bytes / PAGE_SIZE);
  }

  inRange(addr: number, len: number): boolean {
    return addr >= 0 && addr + len <= this.size;
  }

  read8(a: number): number {
    return a < this.size ? this.u8[a] : 0xff;
  }
  read16(a: number): number {
    return a + 2 <= this.size ? this.dv.getUint16(a, true) : 0xffff;
  }
  /** Signed 32-bit result (use >>> 0 for unsigned). */
  read32(a: number): number {
    return a + 4 <= this.size ? this.dv.getInt32(a, true) : -1;
  }
  /** 64-bit read as an exact JS number; throws if the value needs more than 53 bits. */
  read64n(a: number): number {
    const lo = this.read32(a) >>> 0;
    const hi = this.read32(a + 4) >>> 0;
    if (hi > 0x1fffff) throw new RangeError(`64-bit value at ${a.toString(16)} exceeds 2^53`);
    return hi * 0x100000000 + lo;
  }

  write8(a: number, v: number): void {
    if (a < this.size) {
      if (this.codePage[a >>> PAGE_SHIFT] !== 0) this.onCodeWrite(a >>> PAGE_SHIFT);
      this.u8[a] = v;
    }
  }
  write16(a: number, v: number): void {
    if (a + 2 <= this.size) {
      this.noteWrite(a, 2);
      this.dv.setUint16(a, v & 0xffff, true);
    }
  }
  write32(a: number, v: number): void {
    if (a + 4 <= this.size) {
      this.noteWrite(a, 4);
      this.dv.setInt32(a, v | 0, true);
    }
  }
  /** Writes a non-negative JS number (< 2^53) as a 64-bit little-endian value. */
  write64n(a: number, v: number): void {
    this.write32(a, v % 0x100000000);
    this.write32(a + 4, Math.floor(v / 0x100000000));
  }
  writeBytes(a: number, bytes: ArrayLike<number>): void {
    if (!this.inRange(a, bytes.length)) throw new RangeError(`write of ${bytes.length} bytes at ${a.toString(16)} is outside host memory`);
    for (let i = 0; i < bytes.length; i += PAGE_SIZE) this.noteWrite(a + i, 1);
    this.noteWrite(a + bytes.length - 1, 1);
    this.u8.set(bytes as ArrayLike<number>, a);
  }
  fill(a: number, len: number, value: number): void {
    if (!this.inRange(a, len)) throw new RangeError(`fill of ${len} bytes at ${a.toString(16)} is outside host memory`);
    this.u8.fill(value, a, a + len);
  }

  private noteWrite(a: number, len: number): void {
    const p0 = a >>> PAGE_SHIFT;
    if (this.codePage[p0] !== 0) this.onCodeWrite(p0);
    const p1 = (a + len - 1) >>> PAGE_SHIFT;
    if (p1 !== p0 && this.codePage[p1] !== 0) this.onCodeWrite(p1);
  }
}
