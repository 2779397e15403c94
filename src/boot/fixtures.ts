// Test fixtures for boot/ tests: hand-built minimal kernel images (bzImage setup header,
// multiboot a.out and ELF32), built from their specs so tests can vary one field at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BzOptions {
  setupSects?: number;
  version?: number;
  pmSize?: number;
  syssize?: number;
  xloadflags?: number;
  loadflags?: number;
  initrdAddrMax?: number;
  cmdlineSize?: number;
  initSize?: number;
  prefAddress?: number;
  kernelAlignment?: number;
}

/** A bzImage with a 2.15 setup header (linux-boot.md 2) and a filler protected-mode part. */
export function makeBzImage(o: BzOptions = {}): Uint8Array {
  const sects = o.setupSects ?? 4;
  const pmSize = o.pmSize ?? 0x3000;
  const img = new Uint8Array(((sects === 0 ? 4 : sects) + 1) * 512 + pmSize);
  const dv = new DataView(img.buffer);
  img[0x1f1] = sects;
  dv.setUint32(0x1f4, o.syssize ?? Math.ceil(pmSize / 16), true);
  dv.setUint16(0x1fe, 0xaa55, true);
  img[0x200] = 0xeb;
  img[0x201] = 0x6a; // header ends at 26Ch
  dv.setUint32(0x202, 0x53726448, true);
  dv.setUint16(0x206, o.version ?? 0x020f, true);
  img[0x211] = o.loadflags ?? 1;
  dv.setUint32(0x214, 0x100000, true);
  dv.setUint32(0x22c, o.initrdAddrMax ?? 0x7fffffff, true);
  dv.setUint32(0x230, o.kernelAlignment ?? 0x200000, true);
  img[0x234] = 1;
  dv.setUint16(0x236, o.xloadflags ?? 0x7f, true);
  dv.setUint32(0x238, o.cmdlineSize ?? 2047, true);
  dv.setUint32(0x258, o.prefAddress ?? 0x1000000, true);
  dv.setUint32(0x260, o.initSize ?? 0x200000, true);
  img[0x1ef] = 0xff; // header.S's sentinel: a loader must not copy it
  for (let i = img.length - pmSize; i < img.length; i++) img[i] = i & 0xff;
  return img;
}

/** A multiboot ELF32 executable: one PT_LOAD of `code` at paddr with `bss` extra bytes. */
export function makeMultibootElf32(paddr: number, code: Uint8Array, bss = 0, vaddrOffset = 0): Uint8Array {
  const hdrOff = 0x80; // multiboot header inside the first 8 KiB, after the ELF+program header
  const codeOff = 0x1000;
  const img = new Uint8Array(codeOff + code.length);
  const dv = new DataView(img.buffer);
  img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 3, true); // EM_386
  dv.setUint32(20, 1, true);
  dv.setUint32(24, paddr + vaddrOffset, true); // e_entry (virtual)
  dv.setUint32(28, 52, true); // e_phoff
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, 1, true);
  dv.setUint32(52, 1, true); // PT_LOAD
  dv.setUint32(56, codeOff, true);
  dv.setUint32(60, paddr + vaddrOffset, true);
  dv.setUint32(64, paddr, true);
  dv.setUint32(68, code.length, true);
  dv.setUint32(72, code.length + bss, true);
  dv.setUint32(hdrOff, 0x1badb002, true);
  dv.setUint32(hdrOff + 4, 0x3, true);
  dv.setUint32(hdrOff + 8, (-(0x1badb002 + 3)) >>> 0, true);
  img.set(code, codeOff);
  return img;
}

/** /work/shared/reference/loop.asm assembled with nasm, or undefined if nasm or the file is missing. */
export function assembleLoopAsm(): Uint8Array | undefined {
  const src = '/work/shared/reference/loop.asm';
  if (!existsSync(src)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-boot-'));
  try {
    const out = join(dir, 'loop.bin');
    const r = spawnSync('nasm', ['-f', 'bin', '-DITERS=1000', '-o', out, src]);
    return r.status === 0 ? new Uint8Array(readFileSync(out)) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian's kernel (/boot/vmlinuz-*), if installed. */
export function hostKernelPath(): string | undefined {
  try {
    const name = readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).sort().pop();
    return name === undefined ? undefined : join('/boot', name);
  } catch {
    return undefined;
  }
}
