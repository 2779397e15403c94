// The programmatic API: run a VM from a validated VmConfig (ARCHITECTURE.md, api/).
// The guest's serial console is this process's stdin/stdout; on a TTY stdin is raw and
// Ctrl-A x quits.
import { readFileSync } from 'node:fs';
import { validateConfig, type VmConfig } from './config';
import { Machine, type MachineResult } from '../vmm/machine';
import { SoftAccelerator } from '../accel/soft';
import type { VcpuStats } from '../accel/accel';

export interface RunIo {
  stdin: NodeJS.ReadStream | null;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const CTRL_A = 0x01;

/** Boot and run the VM; resolves with the exit status (the guest's). */
export async function runVm(cfg: VmConfig, io: RunIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<MachineResult> {
  validateConfig(cfg);
  const kernel = readFileSync(cfg.kernel);
  const initrd = cfg.initrd !== undefined ? readFileSync(cfg.initrd) : undefined;
  const started = process.hrtime.bigint();
  const machine = new Machine({
    accel: new SoftAccelerator(),
    kernel, kernelPath: cfg.kernel, initrd, initrdPath: cfg.initrd,
    cmdline: cfg.append, memoryBytes: cfg.memoryBytes,
    serialOut: (bytes) => io.stdout.write(bytes),
  });
  const detach = attachConsole(machine, io);
  try {
    const result = await machine.run();
    if (cfg.stats) io.stderr.write(formatStats(machine.vcpu.stats(), Number(process.hrtime.bigint() - started) / 1e6, result));
    return result;
  } finally {
    detach();
  }
}

/** Feed stdin to COM1, holding back what the FIFO cannot take; Ctrl-A x stops the VM on a TTY. */
function attachConsole(machine: Machine, io: RunIo): () => void {
  const stdin = io.stdin;
  if (!stdin) return () => {};
  const uart = machine.platform.uart;
  const pending: number[] = [];
  let escape = false;
  const pump = () => {
    if (pending.length === 0) return;
    const n = uart.receive(Uint8Array.from(pending.slice(0, uart.rxFree())));
    pending.splice(0, n);
    machine.kick();
  };
  const onData = (chunk: Buffer) => {
    for (const b of chunk) {
      if (stdin.isTTY) {
        if (escape) {
          escape = false;
          if (b === 0x78 /* x */) { machine.stop(0, 'stopped by Ctrl-A x'); return; }
          if (b !== CTRL_A) pending.push(CTRL_A);
        } else if (b === CTRL_A) { escape = true; continue; }
      }
      pending.push(b);
    }
    pump();
  };
  const timer = setInterval(pump, 10);
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    clearInterval(timer);
    stdin.off('data', onData);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  };
}

/** --stats: exits by SVM exit-code name and the time split. */
export function formatStats(s: VcpuStats, wallMs: number, r: MachineResult): string {
  const rows = Object.entries(s.exits).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, [, n]) => a + n, 0);
  const lines = [
    `tsvisor: ${r.reason} (status ${r.status}) after ${(wallMs / 1000).toFixed(2)} s`,
    `time: guest ${(s.guestMs / 1000).toFixed(2)} s, hypervisor ${(s.hypervisorMs / 1000).toFixed(2)} s, vmm ${(s.vmmMs / 1000).toFixed(2)} s`,
    `exits: ${total} (RAM pages faulted in ${s.ramPagesFaulted}, MMIO emulated ${s.mmioEmulated}, guest errors ${s.guestErrors})`,
    ...rows.map(([name, n]) => `  ${name.padEnd(24)} ${String(n).padStart(10)}`),
  ];
  return lines.join('\n') + '\n';
}
