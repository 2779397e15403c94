// Command-line parsing for `tsvisor` (ARCHITECTURE.md, cli/): arguments -> VmConfig, nothing else.
import { ConfigError, DEFAULT_APPEND, DEFAULT_MEMORY, parseMemorySize, type VmConfig } from '../api/config';

export const USAGE = `usage:
  tsvisor                          boot the default guest (Debian's kernel + busybox initramfs)
  tsvisor run --kernel FILE [--initrd FILE] [--append STR] [--memory 256M] [--stats]
Serial console on stdin/stdout; on a terminal, Ctrl-A x quits.`;

export type Command = { kind: 'run'; config: VmConfig } | { kind: 'default'; stats: boolean; memoryBytes: number } | { kind: 'help' };

/** Parse argv (without node and the script). Throws ConfigError for anything unknown or missing. */
export function parseArgs(argv: string[]): Command {
  if (argv.length === 0) return { kind: 'default', stats: false, memoryBytes: DEFAULT_MEMORY };
  if (argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') return { kind: 'help' };
  let rest = argv;
  let explicitRun = false;
  if (argv[0] === 'run') { rest = argv.slice(1); explicitRun = true; }
  else if (!argv[0].startsWith('--')) throw new ConfigError(`unknown command ${JSON.stringify(argv[0])}\n${USAGE}`);
  let kernel: string | undefined, initrd: string | undefined;
  let append = DEFAULT_APPEND, memoryBytes = DEFAULT_MEMORY, stats = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new ConfigError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--kernel': kernel = value(); break;
      case '--initrd': initrd = value(); break;
      case '--append': append = value(); break;
      case '--memory': case '-m': memoryBytes = parseMemorySize(value()); break;
      case '--stats': stats = true; break;
      default: throw new ConfigError(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
    }
  }
  if (kernel === undefined) {
    if (explicitRun) throw new ConfigError(`run needs --kernel FILE\n${USAGE}`);
    return { kind: 'default', stats, memoryBytes };
  }
  return { kind: 'run', config: { kernel, initrd, append, memoryBytes, stats } };
}
