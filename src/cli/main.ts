#!/usr/bin/env node
// tsvisor command line: parse into a VmConfig, run it, exit with the guest's status.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs, USAGE } from './args';
import { ConfigError, DEFAULT_APPEND, type VmConfig } from '../api/config';
import { runVm } from '../api/run';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The default guest: Debian's cloud kernel and the busybox initramfs from scripts/build-initramfs.sh. */
function defaultGuest(memoryBytes: number, stats: boolean): VmConfig {
  const kernels = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-.*-cloud-amd64$/.test(f)).sort() : [];
  if (kernels.length === 0) {
    throw new ConfigError('no Debian cloud kernel in /boot: run scripts/setup.sh (apt-get install linux-image-cloud-amd64)');
  }
  const initrd = join(ROOT, '.work', 'initramfs.cpio.gz');
  if (!existsSync(initrd)) {
    const r = spawnSync(join(ROOT, 'scripts', 'build-initramfs.sh'), [initrd], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new ConfigError('building the default initramfs failed (scripts/build-initramfs.sh)');
  }
  return { kernel: join('/boot', kernels[kernels.length - 1]), initrd, append: DEFAULT_APPEND, memoryBytes, stats };
}

async function main(argv: string[]): Promise<number> {
  const cmd = parseArgs(argv);
  if (cmd.kind === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
  const cfg = cmd.kind === 'run' ? cmd.config : defaultGuest(cmd.memoryBytes, cmd.stats);
  const result = await runVm(cfg);
  if (result.status !== 0 || cfg.stats) process.stderr.write(`tsvisor: ${result.reason}\n`);
  return result.status;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (e: unknown) => {
    const err = e as Error;
    // Typed errors carry messages meant for the user; anything else is a tsvisor bug.
    const known = err instanceof ConfigError || /Error$/.test(err?.name ?? '') && err.name !== 'Error' && err.name !== 'TypeError' && err.name !== 'RangeError';
    process.stderr.write(known ? `tsvisor: ${err.message}\n` : `tsvisor: internal error: ${err?.stack ?? String(e)}\n`);
    process.exit(known ? 2 : 70);
  },
);
