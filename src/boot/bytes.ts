// Bounds-checked little-endian access to untrusted images, and writers for the blobs
// boot/ builds (zero page, ACPI tables, multiboot info). A read past the end throws
// KernelTruncatedError naming the field, never a RangeError.
import { KernelTruncatedError, hex } from './errors';

export class ImageReader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array, readonly subject: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  /** Throws unless [off, off + len) lies inside the image; `what` names the field for the message. */
  need(off: number, len: number, what: string): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 || off + len > this.bytes.length) {
      throw new KernelTruncatedError(this.subject,
        `truncated: ${what} needs bytes ${hex(off)}..${hex(off + len)} but the file is ${this.bytes.length} bytes`);
    }
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.bytes[off];
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  /** 64-bit field as a JS number; values above 2^53 come back as Infinity (callers range-check). */
  u64(off: number, what: string): number {
    this.need(off, 8, what);
    const hi = this.dv.getUint32(off + 4, true);
    const lo = this.dv.getUint32(off, true);
    return hi > 0x1fffff ? Infinity : hi * 0x1_0000_0000 + lo;
  }
  /** A view (no copy) of [off, off + len). */
  slice(off: number, len: number, what: string): Uint8Array {
    this.need(off, len, what);
    return this.bytes.subarray(off, off + len);
  }
}

/** Little-endian writer over a fresh zeroed buffer. */
export class BlobWriter {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  u8(off: number, v: number): void {
    this.dv.setUint8(off, v & 0xff);
  }
  u16(off: number, v: number): void {
    this.dv.setUint16(off, v & 0xffff, true);
  }
  u32(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
  }
  /** v must be a non-negative safe integer. */
  u64(off: number, v: number): void {
    this.dv.setUint32(off, v % 0x1_0000_0000, true);
    this.dv.setUint32(off + 4, Math.floor(v / 0x1_0000_0000), true);
  }
  ascii(off: number, s: string, width = s.length): void {
    for (let i = 0; i < width; i++) this.bytes[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
  }
  set(off: number, src: Uint8Array): void {
    this.bytes.set(src, off);
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function alignDown(n: number, a: number): number {
  return Math.floor(n / a) * a;
}
