// ELF program loading for multiboot kernels (Multiboot 0.6.96 3.1.3: without the a.out
// kludge the loader uses the ELF program headers). ELF32 (EM_386) and ELF64 (EM_X86_64)
// with a 32-bit entry, as GRUB accepts; PT_LOAD segments go to their physical address.
import { ImageReader } from './bytes';
import { KernelFormatError, KernelHeaderError, KernelUnsupportedError, hex } from './errors';
import type { KernelImageLayout, KernelSegment } from './multiboot-header';

const PT_LOAD = 1;
const ET_EXEC = 2;
const EM_386 = 3;
const EM_X86_64 = 62;
/** Budget for the program header loop (guest-controlled count). */
export const MAX_LOAD_SEGMENTS = 64;

export function isElf(image: Uint8Array): boolean {
  return image.length >= 4 && image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c && image[3] === 0x46;
}

export function elfLayout(image: Uint8Array, subject = 'kernel'): KernelImageLayout {
  const r = new ImageReader(image, subject);
  if (!isElf(image)) throw new KernelFormatError(subject, 'multiboot kernel without the a.out kludge (flags bit 16) must be an ELF file; no \\x7FELF magic at 0');
  const cls = r.u8(4, 'EI_CLASS');
  if (cls !== 1 && cls !== 2) throw new KernelHeaderError(subject, `ELF class ${cls} is neither 1 (ELF32) nor 2 (ELF64)`);
  const is64 = cls === 2;
  if (r.u8(5, 'EI_DATA') !== 1) throw new KernelUnsupportedError(subject, 'ELF file is not little-endian');
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  if (type !== ET_EXEC) throw new KernelUnsupportedError(subject, `ELF e_type ${type} is not ET_EXEC (2): multiboot kernels are linked at fixed addresses`);
  if (machine !== (is64 ? EM_X86_64 : EM_386)) {
    throw new KernelUnsupportedError(subject, `ELF${is64 ? 64 : 32} e_machine ${machine} is not ${is64 ? 'EM_X86_64 (62)' : 'EM_386 (3)'}`);
  }
  const entryV = is64 ? r.u64(24, 'e_entry') : r.u32(24, 'e_entry');
  const phoff = is64 ? r.u64(32, 'e_phoff') : r.u32(28, 'e_phoff');
  const phentsize = r.u16(is64 ? 54 : 42, 'e_phentsize');
  const phnum = r.u16(is64 ? 56 : 44, 'e_phnum');
  if (phentsize < (is64 ? 56 : 32)) throw new KernelHeaderError(subject, `ELF e_phentsize ${phentsize} is too small for a program header`);
  r.need(phoff, phnum * phentsize, `${phnum} ELF program headers at e_phoff ${hex(phoff)}`);

  const segments: KernelSegment[] = [];
  const vranges: { vaddr: number; paddr: number; memsz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (r.u32(ph, 'p_type') !== PT_LOAD) continue;
    const offset = is64 ? r.u64(ph + 8, 'p_offset') : r.u32(ph + 4, 'p_offset');
    const vaddr = is64 ? r.u64(ph + 16, 'p_vaddr') : r.u32(ph + 8, 'p_vaddr');
    const paddr = is64 ? r.u64(ph + 24, 'p_paddr') : r.u32(ph + 12, 'p_paddr');
    const filesz = is64 ? r.u64(ph + 32, 'p_filesz') : r.u32(ph + 16, 'p_filesz');
    const memsz = is64 ? r.u64(ph + 40, 'p_memsz') : r.u32(ph + 20, 'p_memsz');
    if (memsz === 0) continue;
    if (segments.length >= MAX_LOAD_SEGMENTS) throw new KernelUnsupportedError(subject, `more than ${MAX_LOAD_SEGMENTS} PT_LOAD segments`);
    if (filesz > memsz) throw new KernelHeaderError(subject, `ELF segment ${i}: p_filesz ${hex(filesz)} exceeds p_memsz ${hex(memsz)}`);
    if (paddr + memsz > 0x1_0000_0000) {
      throw new KernelUnsupportedError(subject, `ELF segment ${i} at physical ${hex(paddr)} + ${hex(memsz)} extends past 4 GiB`);
    }
    const bytes = r.slice(offset, filesz, `ELF segment ${i} (p_offset ${hex(offset)}, p_filesz ${hex(filesz)})`);
    segments.push({ gpa: paddr, bytes, memSize: memsz, what: `ELF segment ${i}` });
    vranges.push({ vaddr, paddr, memsz });
  }
  if (segments.length === 0) throw new KernelHeaderError(subject, 'ELF file has no PT_LOAD segment to load');
  // GRUB: an entry given as a virtual address inside a segment is translated to physical.
  const hit = vranges.find((v) => entryV >= v.vaddr && entryV < v.vaddr + v.memsz);
  const entry = hit !== undefined ? entryV - hit.vaddr + hit.paddr : entryV;
  if (!vranges.some((v) => entry >= v.paddr && entry < v.paddr + v.memsz)) {
    throw new KernelHeaderError(subject, `ELF entry ${hex(entryV)} is not inside any loaded segment`);
  }
  return { segments, entry };
}
