// VmConfig: the typed, validated description of a VM (ARCHITECTURE.md, api/). The CLI only
// parses arguments into it; everything that can be wrong with it is found here.
import { existsSync, statSync } from 'node:fs';

export interface VmConfig {
  /** Kernel image: Linux bzImage or a Multiboot v1 kernel. */
  kernel: string;
  initrd?: string;
  /** Kernel command line. */
  append: string;
  memoryBytes: number;
  /** Print exit statistics and the time split on exit. */
  stats: boolean;
}

/** A configuration a user gave is unusable; the message says what to change. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const MIN_MEMORY = 16 << 20;
/** Guest RAM lives in one host typed array with the hypervisor's own pages: under 4 GiB in all. */
export const MAX_MEMORY = 3 * 1024 * 1024 * 1024;
export const DEFAULT_MEMORY = 256 << 20;
export const DEFAULT_APPEND = 'console=ttyS0 panic=-1';

/** "256M", "1G", "65536K", "268435456" -> bytes. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(text.trim());
  if (!m) throw new ConfigError(`--memory ${JSON.stringify(text)}: expected a size such as 256M or 1G`);
  const unit = { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new ConfigError(`--memory ${text}: too large`);
  return bytes;
}

function checkFile(what: string, path: string): void {
  if (!existsSync(path)) throw new ConfigError(`${what} ${path}: no such file`);
  const st = statSync(path);
  if (!st.isFile()) throw new ConfigError(`${what} ${path}: not a regular file`);
  if (st.size === 0) throw new ConfigError(`${what} ${path}: the file is empty`);
}

/** Validate a configuration; throws ConfigError naming the first problem. */
export function validateConfig(cfg: VmConfig): VmConfig {
  checkFile('--kernel', cfg.kernel);
  if (cfg.initrd !== undefined) checkFile('--initrd', cfg.initrd);
  if (!Number.isInteger(cfg.memoryBytes) || cfg.memoryBytes < MIN_MEMORY || cfg.memoryBytes > MAX_MEMORY) {
    throw new ConfigError(`--memory: ${cfg.memoryBytes} bytes is outside ${MIN_MEMORY >> 20}M..${MAX_MEMORY / (1 << 30)}G`);
  }
  if (cfg.memoryBytes % 4096 !== 0) throw new ConfigError('--memory: must be a multiple of 4 KiB');
  if (cfg.append.includes('\0')) throw new ConfigError('--append: the command line may not contain NUL');
  return cfg;
}
