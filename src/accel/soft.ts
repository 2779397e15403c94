// The soft accelerator: the Accelerator interface (accel.ts) over the software CPU (cpu/) and
// our hypervisor (hypervisor/). One host PhysMem per VM, sized for its RAM plus overhead.
import { HvVm } from '../hypervisor/vm';
import type { HvVcpu } from '../hypervisor/vcpu-loop';
import { applyBootState, GPR_NAMES } from '../hypervisor/boot-state';
import { MAX_HOST_BYTES } from '../hypervisor/host-memory';
import { VmConfigError, type Accelerator, type BootState, type ExternalInterrupts, type InterruptMessage, type RamRegion,
  type RegsView, type Vcpu, type VcpuExit, type VcpuStats, type Vm, type VmOptions } from './accel';

const GIB = 1 << 30;
const LOW_RAM_END = 3 * GIB;

/** Default guest-physical RAM layout: below 3 GiB, then from 4 GiB (leaving the PCI/APIC hole). */
export function defaultRamRegions(bytes: number): RamRegion[] {
  if (bytes <= LOW_RAM_END) return [{ gpa: 0, size: bytes }];
  return [{ gpa: 0, size: LOW_RAM_END }, { gpa: 4 * GIB, size: bytes - LOW_RAM_END }];
}

class SoftVcpu implements Vcpu {
  constructor(private readonly hv: HvVcpu) {}
  get id(): number { return this.hv.id; }
  setBootState(state: BootState): void {
    applyBootState(this.hv.cpu, this.hv.vmcb, state);
    this.hv.halted = false;
  }
  run(): VcpuExit { return this.hv.run(); }
  completeRead(value: number): void { this.hv.completeRead(value); }
  setDeviceDeadline(ns: number | null): void { this.hv.deviceDeadlineNs = ns ?? Infinity; }
  guestTimeNs(): number { return this.hv.guestTimeNs(); }
  getRegs(): RegsView {
    const gpr = {} as Record<(typeof GPR_NAMES)[number], bigint>;
    GPR_NAMES.forEach((n, r) => { gpr[n] = this.hv.regs.get64(r); });
    return { gpr, rip: BigInt.asUintN(64, BigInt(this.hv.regs.rip)), rflags: this.hv.regs.rflags };
  }
  stats(): VcpuStats { return this.hv.stats.snapshot(); }
}

class SoftVm implements Vm {
  constructor(private readonly hv: HvVm) {}
  get ramRegions(): readonly RamRegion[] { return this.hv.ram.regions; }
  readMemory(gpa: number, len: number): Uint8Array { return this.hv.ram.read(gpa, len); }
  writeMemory(gpa: number, bytes: Uint8Array): void { this.hv.ram.write(gpa, bytes); }
  createVcpu(id: number): Vcpu { return new SoftVcpu(this.hv.createVcpu(id)); }
  deliverInterrupt(msg: InterruptMessage): void { this.hv.deliverInterrupt(msg); }
  setExternalInterrupts(pic: ExternalInterrupts | null): void { this.hv.extInt = pic; }
  onLevelEoi(cb: (vector: number) => void): void { this.hv.onLevelEoi = cb; }
  guestTimeNs(): number { return this.hv.guestTimeNs(); }
  destroy(): void { this.hv.destroy(); }
}

export class SoftAccelerator implements Accelerator {
  readonly name = 'soft';
  createVm(opts: VmOptions): Vm {
    const bytes = opts.memoryBytes;
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % 4096 !== 0) throw new VmConfigError(`memory of ${bytes} bytes must be a positive multiple of 4 KiB`);
    if (bytes > MAX_HOST_BYTES - 64 * 1024 * 1024) throw new VmConfigError(`memory of ${bytes} bytes is too large for the soft accelerator (host memory must stay below 4 GiB)`);
    const regions = opts.ramRegions ?? defaultRamRegions(bytes);
    const sum = regions.reduce((s, r) => s + r.size, 0);
    if (sum !== bytes) throw new VmConfigError(`RAM regions add up to ${sum} bytes, not memoryBytes = ${bytes}`);
    try {
      return new SoftVm(new HvVm({ ram: regions, maxVcpus: opts.maxVcpus }));
    } catch (e) {
      if (e instanceof RangeError && !(e instanceof VmConfigError)) throw new VmConfigError(e.message);
      throw e;
    }
  }
}
