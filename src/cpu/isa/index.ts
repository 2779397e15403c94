// Every instruction group registers its opcodes in the ISA table once, at load.
import { registerAlu } from './alu';
import { registerBranch } from './branch';
import { registerMov } from './mov';
import { registerArith } from './arith';
import { registerMisc } from './misc';
import { registerString } from './string';
import { registerSystem } from '../system/register';
import { registerSse } from './sse';
import { registerX87 } from './x87';

let done = false;
export function registerAll(): void {
  if (done) return;
  done = true;
  registerAlu();
  registerBranch();
  registerMov();
  registerArith();
  registerMisc();
  registerString();
  registerSystem();
  registerSse();
  registerX87();
}
