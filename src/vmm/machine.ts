// The machine (ARCHITECTURE.md, vmm/): guest RAM loaded with the boot plan, one vCPU in its
// boot state, the PC platform, and the vCPU loop. The loop runs on Node's event loop: each
// time slice or halt gives the event loop a turn (stdin, timers), so the VMM stays responsive.
import type { Accelerator, Vcpu, VcpuExit, Vm, BootState, SegmentState } from '../accel/accel';
import type { ByteSink } from '../devices/device';
import { planBoot, type InitialCpuState, type MachineBootPlan } from '../boot';
import { PcPlatform, type PowerEvent } from './platform';

export interface MachineOptions {
  accel: Accelerator;
  kernel: Uint8Array;
  kernelPath?: string;
  initrd?: Uint8Array;
  initrdPath?: string;
  cmdline: string;
  memoryBytes: number;
  serialOut: ByteSink;
}

/** How a run ended: the process exit status and why. */
export interface MachineResult { status: number; reason: string }

function toBootState(s: InitialCpuState): BootState {
  const seg = (x: { selector: number; base: number; limit: number; attrib: number }): SegmentState => ({ ...x });
  return {
    gpr: { rax: s.rax, rbx: s.rbx, rcx: s.rcx, rdx: s.rdx, rsi: s.rsi, rdi: s.rdi, rbp: s.rbp, rsp: s.rsp },
    rip: s.rip, rflags: s.rflags >>> 0, cr0: s.cr0 >>> 0, cr3: s.cr3, cr4: s.cr4 >>> 0, efer: s.efer >>> 0,
    cs: seg(s.cs), ds: seg(s.ds), es: seg(s.es), fs: seg(s.fs), gs: seg(s.gs), ss: seg(s.ss), tr: seg(s.tr), ldtr: seg(s.ldtr),
    gdt: { base: s.gdtr.base, limit: s.gdtr.limit }, idt: { base: s.idtr.base, limit: s.idtr.limit },
  };
}

export class Machine {
  readonly vm: Vm;
  readonly vcpu: Vcpu;
  readonly platform: PcPlatform;
  readonly plan: MachineBootPlan;
  private result: MachineResult | null = null;
  private wake: (() => void) | null = null;

  constructor(opts: MachineOptions) {
    this.plan = planBoot({
      kernel: opts.kernel, kernelPath: opts.kernelPath, initrd: opts.initrd, initrdPath: opts.initrdPath,
      cmdline: opts.cmdline, memoryBytes: opts.memoryBytes,
    });
    this.vm = opts.accel.createVm({ memoryBytes: opts.memoryBytes, ramRegions: this.plan.memory.ram });
    for (const r of this.plan.regions) {
      if (r.kind === 'data') this.vm.writeMemory(r.gpa, r.bytes);
      else for (let off = 0; off < r.size; off += 1 << 20) this.vm.writeMemory(r.gpa + off, new Uint8Array(Math.min(1 << 20, r.size - off)));
    }
    this.platform = new PcPlatform({
      vm: this.vm, serialOut: opts.serialOut, memoryBytes: opts.memoryBytes, onPowerEvent: (e) => this.power(e),
    });
    this.vcpu = this.vm.createVcpu(0);
    this.vcpu.setBootState(toBootState(this.plan.cpu));
  }

  private power(e: PowerEvent): void {
    if (this.result) return;
    if (e.kind === 'poweroff') this.result = { status: 0, reason: 'guest powered off' };
    else if (e.kind === 'reset') this.result = { status: 0, reason: 'guest reset' };
    else this.result = { status: e.status, reason: `debug-exit status ${e.status}` };
  }

  /** Stop from the host side (Ctrl-A x, a signal). */
  stop(status: number, reason: string): void {
    if (!this.result) this.result = { status, reason };
    this.kick();
  }
  /** Wake a halted vCPU (host input arrived). */
  kick(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  /** Handle one exit; returns the guest time to sleep until (halt), 'yield' (slice), or null to go on. */
  private handle(exit: VcpuExit): number | 'yield' | 'forever' | null {
    const p = this.platform;
    switch (exit.kind) {
      case 'io':
        if (exit.isWrite) p.pio.write(exit.port, exit.size, exit.value);
        else this.vcpu.completeRead(p.pio.read(exit.port, exit.size));
        return null;
      case 'mmio':
        if (exit.isWrite) p.mmio.write(exit.gpa, exit.size, exit.value);
        else this.vcpu.completeRead(p.mmio.read(exit.gpa, exit.size));
        return null;
      case 'slice':
        return 'yield';
      case 'halt': {
        const dev = p.pollTimers();
        const t = exit.untilNs === null ? dev : dev === null ? exit.untilNs : Math.min(dev, exit.untilNs);
        return t === null ? 'forever' : t;
      }
      case 'shutdown':
        this.result ??= { status: 1, reason: `guest shutdown: ${exit.reason}` };
        return null;
      case 'internal-error':
        this.result ??= { status: 1, reason: `internal error: ${exit.reason}` };
        return null;
    }
  }

  /** Run until the guest powers off, resets, exits through debug-exit, or stop() is called. */
  async run(): Promise<MachineResult> {
    const p = this.platform;
    while (!this.result) {
      this.vcpu.setDeviceDeadline(p.pollTimers());
      const next = this.handle(this.vcpu.run());
      if (next === null) continue;
      if (next === 'yield') {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      // Halted: sleep on the event loop until the deadline or until host input kicks us.
      const ms = next === 'forever' ? 1000 : Math.max(0, (next - this.vcpu.guestTimeNs()) / 1e6);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.wake = null; resolve(); }, Math.min(ms, 1000));
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
    return this.result;
  }
}
