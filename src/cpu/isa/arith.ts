// Integer arithmetic group: shifts/rotates, MUL/DIV family, bit instructions, BCD.
import { registerShifts } from './arith-shift';
import { registerMulDiv } from './arith-muldiv';
import { registerBits } from './arith-bit';
import { registerBcd } from './arith-bcd';

export function registerArith(): void {
  registerShifts();
  registerMulDiv();
  registerBits();
  registerBcd();
}
