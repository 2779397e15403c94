// Segment register loading (APM Vol.2 4.5-4.10). Owned by the system group.
import type { Cpu } from '../cpu';
import { refreshSegment } from '../mmu';
import { CS, SS } from '../regs';

/** Load a segment register's visible selector and hidden descriptor cache, unchecked. */
export function loadSegmentRaw(c: Cpu, s: number, sel: number, base: number, limit: number, attr: number): void {
  c.segSel[s] = sel & 0xffff;
  c.segBaseLo[s] = base | 0;
  c.segBaseHi[s] = 0;
  c.segLimit[s] = limit | 0;
  c.segAttr[s] = attr;
  refreshSegment(c, s);
  if (s === CS || s === SS) c.updateMode();
}
