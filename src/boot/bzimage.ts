// Parsing and validating a Linux bzImage's setup header (linux-boot.md 1-3). Pure: bytes in,
// a typed header out, or a typed error naming the file and the field that is wrong.
import { ImageReader } from './bytes';
import { KernelFormatError, KernelHeaderError, KernelTruncatedError, KernelUnsupportedError, hex } from './errors';

export const BOOT_FLAG = 0xaa55;
export const HDRS_MAGIC = 0x5372_6448; // "HdrS"
/** xloadflags exists from 2.12 on; the 64-bit entry is announced there (XLF_KERNEL_64). */
export const MIN_PROTOCOL = 0x020c;
export const LOADED_HIGH = 1 << 0;
export const CAN_USE_HEAP = 1 << 7;
export const XLF_KERNEL_64 = 1 << 0;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
/** Setup header offsets (linux-boot.md 2). */
export const HDR_START = 0x1f1;
/** boot_params.hdr is followed by edd_mbr_sig_buffer at 290h (linux-boot.md 4). */
export const HDR_MAX_END = 0x290;
/** A 2.12 header runs at least through handover_offset (264h..267h). */
export const MIN_HDR_END = 0x268;

export interface BzImageHeader {
  /** Protocol version, (major << 8) | minor. */
  version: number;
  setupSects: number;
  /** File offset of the protected-mode kernel: (setup_sects + 1) * 512. */
  pmOffset: number;
  /** Bytes of the protected-mode kernel in the file (to EOF; may exceed syssize * 16 when signed). */
  pmSize: number;
  syssize: number;
  loadflags: number;
  xloadflags: number;
  initrdAddrMax: number;
  kernelAlignment: number;
  cmdlineSize: number;
  prefAddress: number;
  /** init_size (260h), at least pmSize. */
  initSize: number;
  /** The setup header bytes 1F1h .. 202h + jump displacement, to copy into the zero page. */
  setupHeader: Uint8Array;
  /** The kernel_version string, if the pointer is sane ("6.1.0-56-cloud-amd64 (...) #1 ..."). */
  kernelVersion: string | undefined;
}

/** True when `kernel` carries the bzImage signatures (boot flag and "HdrS"); no validation. */
export function looksLikeBzImage(kernel: Uint8Array): boolean {
  return kernel.length >= 0x206 && kernel[0x1fe] === 0x55 && kernel[0x1ff] === 0xaa &&
    kernel[0x202] === 0x48 && kernel[0x203] === 0x64 && kernel[0x204] === 0x72 && kernel[0x205] === 0x53;
}

export function parseBzImage(kernel: Uint8Array, subject = 'kernel'): BzImageHeader {
  const r = new ImageReader(kernel, subject);
  if (kernel.length < 0x206) {
    throw new KernelTruncatedError(subject, `not a bzImage: only ${kernel.length} bytes, the setup header needs at least ${hex(0x206)}`);
  }
  if (kernel.length >= 4 && kernel[0] === 0x7f && kernel[1] === 0x45 && kernel[2] === 0x4c && kernel[3] === 0x46 && !looksLikeBzImage(kernel)) {
    throw new KernelFormatError(subject, 'not a bzImage: this is an ELF file (an uncompressed vmlinux?); pass the bzImage (arch/x86/boot/bzImage, /boot/vmlinuz-*)');
  }
  const bootFlag = r.u16(0x1fe, 'boot_flag');
  if (bootFlag !== BOOT_FLAG) {
    throw new KernelFormatError(subject, `not a bzImage: boot signature ${hex(BOOT_FLAG)} missing at 0x1FE (found ${hex(bootFlag)})`);
  }
  const magic = r.u32(0x202, 'header');
  if (magic !== HDRS_MAGIC) {
    throw new KernelFormatError(subject, `not a bzImage: setup header magic "HdrS" missing at 0x202 (found ${hex(magic)}); kernels before 1.3.73 are not supported`);
  }
  const version = r.u16(0x206, 'version');
  if (version < MIN_PROTOCOL) {
    throw new KernelUnsupportedError(subject,
      `boot protocol ${fmtVersion(version)} is too old: tsvisor needs ${fmtVersion(MIN_PROTOCOL)}+ (Linux 3.8+) for the 64-bit entry`);
  }
  const jump = r.u8(0x200, 'jump');
  const hdrEnd = 0x202 + r.u8(0x201, 'jump displacement');
  if (jump !== 0xeb || hdrEnd < MIN_HDR_END || hdrEnd > HDR_MAX_END) {
    throw new KernelHeaderError(subject,
      `setup header end ${hex(hdrEnd)} (from the jump at 0x200: ${hex(jump)} ${hex(hdrEnd - 0x202)}) is outside ${hex(MIN_HDR_END)}..${hex(HDR_MAX_END)}`);
  }
  r.need(0, hdrEnd, 'setup header');
  const loadflags = r.u8(0x211, 'loadflags');
  if ((loadflags & LOADED_HIGH) === 0) {
    throw new KernelUnsupportedError(subject, 'loadflags.LOADED_HIGH is clear: this is a zImage (loaded at 0x10000), only bzImage is supported');
  }
  const xloadflags = r.u16(0x236, 'xloadflags');
  if ((xloadflags & XLF_KERNEL_64) === 0) {
    throw new KernelUnsupportedError(subject,
      `xloadflags ${hex(xloadflags)} lacks XLF_KERNEL_64: no 64-bit entry point (a 32-bit kernel?); tsvisor boots x86-64 kernels`);
  }
  const rawSects = r.u8(0x1f1, 'setup_sects');
  const setupSects = rawSects === 0 ? 4 : rawSects;
  const pmOffset = (setupSects + 1) * 512;
  const syssize = r.u32(0x1f4, 'syssize');
  if (syssize === 0) throw new KernelHeaderError(subject, 'syssize at 0x1F4 is 0: the protected-mode kernel size is unknown');
  if (kernel.length <= pmOffset) {
    throw new KernelTruncatedError(subject,
      `truncated: ${kernel.length} bytes, but setup_sects = ${setupSects} puts the protected-mode kernel at ${hex(pmOffset)}`);
  }
  const pmSize = kernel.length - pmOffset;
  // tools/build.c: syssize = ceil((payload + 4-byte CRC) / 16); signatures may follow it.
  if (pmSize <= syssize * 16 - 16) {
    throw new KernelTruncatedError(subject,
      `truncated: the protected-mode kernel is ${pmSize} bytes, but syssize at 0x1F4 says ${syssize * 16} (${syssize} x 16)`);
  }
  const kernelAlignment = r.u32(0x230, 'kernel_alignment');
  if (kernelAlignment === 0 || (kernelAlignment & (kernelAlignment - 1)) !== 0 || kernelAlignment > 0x4000_0000) {
    throw new KernelHeaderError(subject, `kernel_alignment ${hex(kernelAlignment)} at 0x230 is not a power of two up to 1 GiB`);
  }
  const initrdAddrMax = r.u32(0x22c, 'initrd_addr_max');
  const cmdlineSize = r.u32(0x238, 'cmdline_size');
  const prefAddress = r.u64(0x258, 'pref_address');
  const initSize = r.u32(0x260, 'init_size');
  if (prefAddress > 0xffff_ffff || prefAddress % kernelAlignment !== 0) {
    throw new KernelHeaderError(subject, `pref_address ${hex(prefAddress)} at 0x258 is above 4 GiB or not ${hex(kernelAlignment)}-aligned`);
  }
  return {
    version, setupSects, pmOffset, pmSize, syssize, loadflags, xloadflags, initrdAddrMax,
    kernelAlignment, cmdlineSize, prefAddress, initSize: Math.max(initSize, pmSize),
    setupHeader: kernel.subarray(HDR_START, hdrEnd),
    kernelVersion: readKernelVersion(kernel, r.u16(0x20e, 'kernel_version')),
  };
}

function readKernelVersion(kernel: Uint8Array, ptr: number): string | undefined {
  const start = ptr + 0x200;
  if (ptr === 0 || start >= kernel.length) return undefined;
  let s = '';
  for (let i = start; i < kernel.length && i < start + 256 && kernel[i] !== 0; i++) {
    const c = kernel[i];
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

export function fmtVersion(v: number): string {
  return `${v >> 8}.${(v & 0xff).toString().padStart(2, '0')}`;
}
