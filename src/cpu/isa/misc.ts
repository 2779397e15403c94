// Data movement, flag and stack helpers that are neither ALU nor MOV (see misc-*.ts).
import { registerMiscAtomic } from './misc-atomic';
import { registerMiscExt } from './misc-ext';
import { registerMiscFlags } from './misc-flags';
import { registerMiscStack } from './misc-stack';

export function registerMisc(): void {
  registerMiscExt();
  registerMiscAtomic();
  registerMiscFlags();
  registerMiscStack();
}
