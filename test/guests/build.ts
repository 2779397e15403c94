// Builds the nasm guest programs of test/guests/ (`nasm -f bin`) at test time, cached by
// content hash under test/native/build/guests like test/native/assemble.ts does.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, repoRoot } from '../native/native';

/** Assemble test/guests/<name>.asm; returns the flat binary. */
export function buildGuest(name: string): Uint8Array {
  const src = join(repoRoot(), 'test', 'guests', `${name}.asm`);
  const text = readFileSync(src, 'utf8');
  const dir = join(buildDir(), 'guests');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.bin`);
  try {
    return new Uint8Array(readFileSync(out));
  } catch { /* not built yet */ }
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('nasm', ['-f', 'bin', '-o', tmp, src], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run nasm: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`nasm failed on ${name}.asm:\n${r.stderr}`);
  renameSync(tmp, out);
  return new Uint8Array(readFileSync(out));
}
