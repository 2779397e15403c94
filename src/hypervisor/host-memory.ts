// Host-physical page allocation inside the one PhysMem (ARCHITECTURE.md, hypervisor/): VMCBs,
// the IOPM (12 KiB, 3 contiguous pages, svm.md 8), the MSRPM (8 KiB, 2 pages), nested
// page-table pages and guest RAM pages all come from here. A bump pointer with a free list
// of single pages; contiguous runs come from the bump region only (they are few and early).
import { PhysMem, PAGE_SIZE } from '../cpu/phys-mem';

/** PhysMem is one typed array: it must stay below 4 GiB. */
export const MAX_HOST_BYTES = 0x1_0000_0000 - PAGE_SIZE;

/** Host memory is exhausted: the VM asked for more pages than it was sized for. */
export class HostMemoryExhaustedError extends Error {
  constructor(readonly wantedPages: number, readonly freePages: number) {
    super(`host memory exhausted: wanted ${wantedPages} page(s), ${freePages} free; size the VM's host memory larger`);
    this.name = 'HostMemoryExhaustedError';
  }
}

/** The requested host memory size cannot be allocated (zero, not page-aligned, or >= 4 GiB). */
export class HostMemorySizeError extends RangeError {
  constructor(bytes: number) {
    super(`host memory of ${bytes} bytes is impossible: it must be a positive multiple of 4096 below 4 GiB`);
    this.name = 'HostMemorySizeError';
  }
}

export class HostMemory {
  readonly mem: PhysMem;
  /** Next never-allocated page (bytes). Page 0 is kept unused so that HPA 0 never names a live page. */
  private next = PAGE_SIZE;
  private readonly free: number[] = [];
  /** Pages handed out and not freed. */
  allocated = 0;

  constructor(bytes: number) {
    if (!Number.isInteger(bytes) || bytes <= PAGE_SIZE || bytes % PAGE_SIZE !== 0 || bytes > MAX_HOST_BYTES) {
      throw new HostMemorySizeError(bytes);
    }
    this.mem = new PhysMem(bytes);
  }

  get freePages(): number {
    return this.free.length + (this.mem.size - this.next) / PAGE_SIZE;
  }

  /** One zeroed 4 KiB page; returns its host-physical address. */
  allocPage(): number {
    const hpa = this.free.length > 0 ? this.free.pop()! : this.bump(1);
    this.mem.fill(hpa, PAGE_SIZE, 0);
    this.allocated++;
    return hpa;
  }

  /** `pages` physically contiguous zeroed pages (IOPM, MSRPM). */
  allocContiguous(pages: number): number {
    const hpa = this.bump(pages);
    this.mem.fill(hpa, pages * PAGE_SIZE, 0);
    this.allocated += pages;
    return hpa;
  }

  /** Return one page for reuse (its contents are cleared on the next allocation). */
  freePage(hpa: number): void {
    if (hpa % PAGE_SIZE !== 0 || hpa < PAGE_SIZE || hpa >= this.next) throw new RangeError(`freePage: 0x${hpa.toString(16)} was not allocated`);
    this.free.push(hpa);
    this.allocated--;
  }

  private bump(pages: number): number {
    const bytes = pages * PAGE_SIZE;
    if (this.next + bytes > this.mem.size) throw new HostMemoryExhaustedError(pages, this.freePages);
    const hpa = this.next;
    this.next += bytes;
    return hpa;
  }
}

/**
 * Host bytes needed for a VM with `ramBytes` of guest RAM and `vcpus` vCPUs: the RAM itself,
 * nested page tables for 4 KiB mappings (one table per 2 MiB, one directory per 1 GiB),
 * IOPM + MSRPM, one VMCB per vCPU, and slack.
 */
export function hostBytesFor(ramBytes: number, vcpus = 1): number {
  const ramPages = Math.ceil(ramBytes / PAGE_SIZE);
  const ptPages = Math.ceil(ramBytes / (2 << 20)) + 2 * Math.ceil(ramBytes / (1 << 30)) + 8;
  return (1 + ramPages + ptPages + 3 + 2 + vcpus + 16) * PAGE_SIZE;
}
