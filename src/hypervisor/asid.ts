// ASID allocation (svm.md 13): guest ASIDs are 1..NASID-1; ASID 0 is the host's. A recycled
// ASID may still tag stale TLB entries of its previous owner, so its first VMRUN flushes it
// (TLB_CONTROL 3, FlushByAsid: svm.md 3.6).
import { NASID } from '../cpu/cpuid';

export class AsidExhaustedError extends Error {
  constructor(n: number) {
    super(`all ${n} guest ASIDs are in use; stop a VM first`);
    this.name = 'AsidExhaustedError';
  }
}

export class AsidAllocator {
  private readonly inUse: Uint8Array;
  /** ASIDs that were used before: their next owner must flush them. */
  private readonly dirty: Uint8Array;
  private next = 1;

  constructor(readonly nasid = NASID) {
    this.inUse = new Uint8Array(nasid);
    this.dirty = new Uint8Array(nasid);
  }

  /** A free ASID and whether its first VMRUN must flush it. */
  alloc(): { asid: number; needsFlush: boolean } {
    for (let k = 0; k < this.nasid - 1; k++) {
      const a = 1 + ((this.next - 1 + k) % (this.nasid - 1));
      if (this.inUse[a] === 0) {
        this.inUse[a] = 1;
        this.next = a + 1;
        return { asid: a, needsFlush: this.dirty[a] !== 0 };
      }
    }
    throw new AsidExhaustedError(this.nasid - 1);
  }

  free(asid: number): void {
    if (!(asid >= 1 && asid < this.nasid) || this.inUse[asid] === 0) throw new RangeError(`ASID ${asid} is not allocated`);
    this.inUse[asid] = 0;
    this.dirty[asid] = 1;
  }
}
