// Guest RAM: guest-physical regions backed by host pages that need not be contiguous,
// mapped by the VM's nested page table (svm.md 12) and FILLED LAZILY: a page gets a host
// page on its first NPF (vcpu-loop) or its first write by the VMM (guestWrite). Pages the
// VM does not own have no nested entry and stay unreachable from the guest.
// guestRead/guestWrite translate through this map (GPA -> HPA), never through the CPU.
import { PAGE_SIZE } from '../cpu/phys-mem';
import type { HostMemory } from './host-memory';

export interface RamRegion { readonly gpa: number; readonly size: number }

/** The VMM touched a guest-physical range that is not guest RAM. */
export class GuestMemoryRangeError extends RangeError {
  constructor(gpa: number, len: number) {
    super(`guest-physical range 0x${gpa.toString(16)}+${len} is not guest RAM`);
    this.name = 'GuestMemoryRangeError';
  }
}

// Nested PTE bits: present, writable, user (nested walks are user accesses: svm.md 12).
const NPT_PWU = 7;

export class GuestMemory {
  readonly regions: readonly RamRegion[];
  /** Per region: host page of each guest page (0 = not yet backed; host page 0 is never allocated). */
  private readonly backing: Uint32Array[];
  /** Host-physical root of the 4-level nested page table (VMCB N_CR3). */
  readonly nptRoot: number;
  /** Guest pages backed so far. */
  pagesBacked = 0;
  /** Nested page-table pages allocated (root included). */
  nptPages = 1;

  constructor(private readonly host: HostMemory, regions: readonly RamRegion[]) {
    const sorted = [...regions].sort((a, b) => a.gpa - b.gpa);
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i];
      if (!Number.isInteger(r.gpa) || !Number.isInteger(r.size) || r.gpa < 0 || r.size <= 0 || r.gpa % PAGE_SIZE !== 0 ||
        r.size % PAGE_SIZE !== 0 || r.gpa + r.size > 2 ** 40) {
        throw new RangeError(`RAM region 0x${r.gpa.toString(16)}+0x${r.size.toString(16)} must be page-aligned, non-empty and below 1 TiB`);
      }
      if (i > 0 && sorted[i - 1].gpa + sorted[i - 1].size > r.gpa) throw new RangeError(`RAM regions overlap at 0x${r.gpa.toString(16)}`);
    }
    this.regions = sorted.map((r) => Object.freeze({ gpa: r.gpa, size: r.size }));
    this.backing = this.regions.map((r) => new Uint32Array(r.size / PAGE_SIZE));
    this.nptRoot = host.allocPage();
  }

  get ramBytes(): number {
    let n = 0;
    for (const r of this.regions) n += r.size;
    return n;
  }

  /** Index of the region holding gpa, or -1. */
  regionOf(gpa: number): number {
    const rs = this.regions;
    for (let i = 0; i < rs.length; i++) if (gpa >= rs[i].gpa && gpa < rs[i].gpa + rs[i].size) return i;
    return -1;
  }

  isRam(gpa: number): boolean {
    return this.regionOf(gpa) >= 0;
  }

  /** Host page backing gpa's page, or 0 if it is RAM not yet backed, or -1 if not RAM. */
  hostPageOf(gpa: number): number {
    const i = this.regionOf(gpa);
    if (i < 0) return -1;
    return this.backing[i][Math.floor((gpa - this.regions[i].gpa) / PAGE_SIZE)];
  }

  /** Back gpa's page with a host page and map it in the nested table (idempotent). Returns the host page or -1 if not RAM. */
  ensurePage(gpa: number): number {
    const i = this.regionOf(gpa);
    if (i < 0) return -1;
    const idx = Math.floor((gpa - this.regions[i].gpa) / PAGE_SIZE);
    const have = this.backing[i][idx];
    if (have !== 0) return have;
    const hpa = this.host.allocPage();
    this.backing[i][idx] = hpa;
    this.pagesBacked++;
    this.mapNested(gpa - (gpa % PAGE_SIZE), hpa);
    return hpa;
  }

  /** 4-level nested walk, allocating tables on the way (svm.md 12: long-mode host format). */
  private mapNested(gpa: number, hpa: number): void {
    const m = this.host.mem;
    let table = this.nptRoot;
    for (let level = 3; level > 0; level--) {
      const e = table + (Math.floor(gpa / 2 ** (12 + 9 * level)) % 512) * 8;
      let lo = m.read32(e);
      if ((lo & 1) === 0) {
        const t = this.host.allocPage();
        this.nptPages++;
        m.write32(e, t | NPT_PWU);
        m.write32(e + 4, 0);
        lo = t | NPT_PWU;
      }
      table = (lo & ~0xfff) >>> 0;
    }
    const e = table + (Math.floor(gpa / PAGE_SIZE) % 512) * 8;
    m.write32(e, hpa | NPT_PWU);
    m.write32(e + 4, 0);
  }

  /** Copy guest RAM into a new array; pages never backed read as zeros (and stay unbacked). */
  read(gpa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.forEachPage(gpa, len, false, (hpa, off, n, done) => {
      if (hpa > 0) out.set(this.host.mem.u8.subarray(hpa + off, hpa + off + n), done);
    });
    return out;
  }

  /** Copy bytes into guest RAM, backing pages as needed (the decode cache sees the writes). */
  write(gpa: number, bytes: Uint8Array): void {
    this.forEachPage(gpa, bytes.length, true, (hpa, off, n, done) => {
      this.host.mem.writeBytes(hpa + off, bytes.subarray(done, done + n));
    });
  }

  /** Little-endian 64-bit read as (lo, hi) into out[0..1]; for the guest page walker. Unbacked pages read zero. */
  read64(gpa: number, out: Int32Array): void {
    const hp = this.hostPageOf(gpa);
    if (hp <= 0 || (gpa % PAGE_SIZE) > PAGE_SIZE - 8) { const b = this.read(gpa, 8); const dv = new DataView(b.buffer); out[0] = dv.getInt32(0, true); out[1] = dv.getInt32(4, true); return; }
    const a = hp + (gpa % PAGE_SIZE);
    out[0] = this.host.mem.read32(a); out[1] = this.host.mem.read32(a + 4);
  }

  private forEachPage(gpa: number, len: number, back: boolean, f: (hpa: number, off: number, n: number, done: number) => void): void {
    if (!Number.isInteger(gpa) || !Number.isInteger(len) || gpa < 0 || len < 0) throw new GuestMemoryRangeError(gpa, len);
    let done = 0;
    while (done < len) {
      const a = gpa + done;
      const hpa = back ? this.ensurePage(a) : this.hostPageOf(a);
      if (hpa < 0) throw new GuestMemoryRangeError(gpa, len);
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, len - done);
      f(hpa, off, n, done);
      done += n;
    }
  }
}
