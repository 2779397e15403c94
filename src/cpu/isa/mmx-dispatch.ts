// MMX forms of the shared 0F 6x/7x/Dx/Ex/Fx opcodes (no 66/F2/F3 prefix): the SSE group
// registers those opcode indices and calls mmxOp when c.simdPrefix is 0.
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';
import { mmxExec } from './mmx-ops';

export function mmxOp(c: Cpu): void {
  if (!mmxExec(c)) raiseUD(c);
}
