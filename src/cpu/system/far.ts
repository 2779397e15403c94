// Far control transfers (APM Vol.2 4.8, 4.11; Vol.3 JMP/CALL far). Owned by the system group.
import type { Cpu } from '../cpu';
import { raiseUD } from '../exceptions';

/** JMP far to sel:offset (offset is (lo, hi); size = operand size). */
export function farJump(c: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  void sel; void offLo; void offHi; void size;
  raiseUD(c);
}
/** CALL far to sel:offset, pushing CS:RIP of the next instruction. */
export function farCall(c: Cpu, sel: number, offLo: number, offHi: number, size: number): void {
  void sel; void offLo; void offHi; void size;
  raiseUD(c);
}
