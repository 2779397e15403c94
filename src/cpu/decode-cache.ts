// Decoded-instruction cache (ARCHITECTURE.md "What matters for speed"): decoded
// instructions keyed by host-physical address and decode mode, direct-mapped.
// A write to a page holding cached instructions drops that page's entries
// (PhysMem.codePage / onCodeWrite), so self-modifying code stays correct.
import type { PhysMem } from './phys-mem';

export const DC_BITS = 16;
export const DC_SIZE = 1 << DC_BITS;
export const DC_MASK = DC_SIZE - 1;

/** How a cached memory operand's effective address is formed. */
export const EA_NONE = 0, EA_16 = 1, EA_32 = 2, EA_RIPREL = 3;

export class DecodeCache {
  /** hpa * 4 + modeKey + 1; 0 = empty. */
  readonly tag = new Float64Array(DC_SIZE);
  readonly op = new Uint16Array(DC_SIZE);
  readonly len = new Uint8Array(DC_SIZE);
  /** opSize | adSize << 4 | lock << 8 | (seg + 1) << 9 | rex << 12 | eaKind << 20 | mod << 22 | modrm << 24 */
  readonly bits = new Int32Array(DC_SIZE);
  /** repPrefix | simdPrefix << 8 | regG << 16 | regE << 20 | eaBase+2 << 24 (5 bits) */
  readonly bits2 = new Int32Array(DC_SIZE);
  /** eaIndex+1 | eaScale << 8 | eaSeg << 12 */
  readonly bits3 = new Int32Array(DC_SIZE);
  readonly disp = new Int32Array(DC_SIZE);
  readonly immLo = new Int32Array(DC_SIZE);
  readonly immHi = new Int32Array(DC_SIZE);
  readonly imm2 = new Int32Array(DC_SIZE);
  /** Compiled blocks (jit/blocks.ts) by start address, tagged like the entries, plus the start RIP. */
  readonly blockTag = new Float64Array(DC_SIZE);
  readonly blockRip = new Float64Array(DC_SIZE);
  readonly block: (((c: never) => number) | null)[] = new Array(DC_SIZE).fill(null);
  /** Executions seen at an address without a block (hotness). */
  readonly heat = new Uint16Array(DC_SIZE);
  /** Executions before an address gets a compiled block (jit/blocks.ts); tests set 1 to compile at once. */
  hotThreshold = 2000;
  /** Slots holding compiled blocks, oldest first (a ring): at most maxBlocks stay alive, so
   *  the generated code's memory is bounded; an evicted block is compiled again if it gets hot. */
  readonly maxBlocks = 16384;
  private readonly blockRing = new Int32Array(this.maxBlocks).fill(-1);
  private ringHead = 0;
  hits = 0;
  invalidations = 0;
  blocksCompiled = 0;

  constructor(private readonly mem: PhysMem) {
    mem.onCodeWrite = (page) => this.invalidatePage(page);
  }

  /** Record a newly compiled block in slot i, evicting the oldest live block if the ring is full. */
  noteBlock(i: number): void {
    const old = this.blockRing[this.ringHead];
    if (old >= 0 && old !== i) { this.block[old] = null; this.blockTag[old] = 0; }
    this.blockRing[this.ringHead] = i;
    this.ringHead = (this.ringHead + 1) % this.maxBlocks;
  }

  /** Drop every entry of a host page (a write hit it). */
  invalidatePage(page: number): void {
    this.mem.codePage[page] = 0;
    const first = (page * 4096) & DC_MASK;
    const lo = page * 4096 * 4, hi = (page + 1) * 4096 * 4;
    const tag = this.tag, blockTag = this.blockTag;
    for (let i = first; i < first + 4096; i++) {
      const t = tag[i];
      if (t > lo && t < hi) tag[i] = 0;
      const b = blockTag[i];
      if (b > lo && b < hi) { blockTag[i] = 0; this.block[i] = null; this.heat[i] = 0; }
    }
    this.invalidations++;
  }
  clear(): void {
    this.tag.fill(0);
    this.blockTag.fill(0);
    this.block.fill(null);
    this.mem.codePage.fill(0);
  }
}
