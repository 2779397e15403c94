// Software TLB, direct-mapped, tagged by ASID (APM Vol.2 15.16). An entry maps one
// 4 KiB linear page of one ASID to a host-physical page, with the access rights the
// walk granted. Entries from large pages are split into 4 KiB entries on fill.

export const TLB_BITS = 12;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

/** Access-right bits of an entry: one bit per (access kind, privilege). */
export const TLB_R_SUP = 1, TLB_W_SUP = 2, TLB_X_SUP = 4, TLB_R_USR = 8, TLB_W_USR = 16, TLB_X_USR = 32;
export const TLB_GLOBAL = 64;
/** The entry is a 4 KiB piece of a larger page: 2 MiB, 4 MiB or 1 GiB. */
export const TLB_LARGE_2M = 128, TLB_LARGE_4M = 256, TLB_LARGE_1G = 512;
const TLB_LARGE = TLB_LARGE_2M | TLB_LARGE_4M | TLB_LARGE_1G;

/**
 * Set of a linear page (lo, hi) for the ASID tag (asid << 16): mixes address bits 31:20,
 * the high half and the ASID so that common layouts, and two guests at the same address,
 * do not collide. Every lookup uses this one function.
 */
export function tlbSlot(lo: number, hi: number, asidTag: number): number {
  return ((lo >>> 12) ^ (lo >>> 20) ^ hi ^ (asidTag >>> 10)) & TLB_MASK;
}

export class Tlb {
  /** Linear page number bits 31:12 (lo >>> 12); -1 when empty. */
  readonly pageLo = new Int32Array(TLB_SIZE).fill(-1);
  /** Linear address bits 47:32 | ASID << 16. */
  readonly tagHi = new Int32Array(TLB_SIZE);
  /** Host-physical address of the page (4 KiB aligned). */
  readonly hpa = new Float64Array(TLB_SIZE);
  readonly rights = new Int32Array(TLB_SIZE);
  /** Fills from large pages since the last full flush: INVLPG must then drop every piece. */
  private largeFills = 0;
  hits = 0;
  misses = 0;
  flushes = 0;

  static index(lo: number, hi: number, asid: number): number {
    return tlbSlot(lo, hi, asid << 16);
  }

  fill(lo: number, hi: number, asid: number, hpaPage: number, rights: number): void {
    const i = Tlb.index(lo, hi, asid);
    this.pageLo[i] = lo >>> 12;
    this.tagHi[i] = (hi & 0xffff) | (asid << 16);
    this.hpa[i] = hpaPage;
    this.rights[i] = rights;
    if ((rights & TLB_LARGE) !== 0) this.largeFills++;
  }

  /** TLB_CONTROL 1: every ASID, host included. */
  flushAll(): void {
    this.pageLo.fill(-1);
    this.largeFills = 0;
    this.flushes++;
  }
  /** TLB_CONTROL 3 (all of one ASID) or 7 (its non-global entries); MOV CR3 uses 7. */
  flushAsid(asid: number, keepGlobal: boolean): void {
    const { pageLo, tagHi, rights } = this;
    for (let i = 0; i < TLB_SIZE; i++) {
      if (pageLo[i] !== -1 && tagHi[i] >>> 16 === asid && !(keepGlobal && (rights[i] & TLB_GLOBAL) !== 0)) pageLo[i] = -1;
    }
    this.flushes++;
  }
  /** INVLPG / INVLPGA: one page of one ASID, global or not. */
  flushPage(lo: number, hi: number, asid: number): void {
    const i = Tlb.index(lo, hi, asid);
    const tag = (hi & 0xffff) | (asid << 16);
    if (this.pageLo[i] === lo >>> 12 && this.tagHi[i] === tag) this.pageLo[i] = -1;
    if (this.largeFills === 0) return;
    const { pageLo, tagHi, rights } = this;
    for (let j = 0; j < TLB_SIZE; j++) {
      const r = rights[j];
      if (pageLo[j] === -1 || tagHi[j] !== tag || (r & TLB_LARGE) === 0) continue;
      const shift = (r & TLB_LARGE_2M) !== 0 ? 9 : (r & TLB_LARGE_4M) !== 0 ? 10 : 18;
      if (pageLo[j] >>> shift === (lo >>> 12) >>> shift) pageLo[j] = -1;
    }
  }
}
