// Reset control register at port CF9h (pc-platform.md section 1; PIIX/ICH RCR). Bit 1
// SYS_RST selects a hard reset, bit 2 RST_CPU starts the reset, bit 3 FULL_RST asks for a cold
// (power-cycle) reset. Linux (arch/x86/kernel/reboot.c, BOOT_CF9_FORCE) writes
// (inb(CF9h) & ~code) | 02h, then | code with code = 06h (warm) or 0Eh (cold). As in QEMU's
// PIIX3 RCR, any write with RST_CPU set resets the machine; RST_CPU itself never reads back.
// The FADT's RESET_REG can name this port with RESET_VALUE = CF9_RESET_VALUE.
//
// The VMM maps PciHost over CF8h-CFFh and gives it this device for byte accesses at CF9h
// (see pci-host.ts), since the two overlap on a PC.
import type { AccessSize, BusDevice } from './device';

export const RESET_CONTROL_PORT = 0xcf9;
export const CF9_SYS_RST = 1 << 1;
export const CF9_RST_CPU = 1 << 2;
export const CF9_FULL_RST = 1 << 3;
/** The value the FADT's RESET_VALUE uses: hard reset. */
export const CF9_RESET_VALUE = CF9_SYS_RST | CF9_RST_CPU;

export type ResetKind = 'warm' | 'cold';

export interface ResetControlOptions {
  /** Called when the guest requests a reset; the VMM ends or restarts the VM. */
  reset(kind: ResetKind): void;
}

export class ResetControl implements BusDevice {
  private readonly resetFn: (kind: ResetKind) => void;
  private value = 0;

  constructor(opts: ResetControlOptions) {
    this.resetFn = opts.reset;
  }

  read(offset: number, size: AccessSize): number {
    // One 8-bit register; wider reads see all-ones in the absent upper bytes.
    const hi = size >= 4 ? 0xffff_ff00 : size === 2 ? 0xff00 : 0;
    return offset === 0 ? (hi | this.value) >>> 0 : (size >= 4 ? 0xffff_ffff : (1 << (size * 8)) - 1);
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset !== 0) return;
    const v = value & (CF9_SYS_RST | CF9_FULL_RST | CF9_RST_CPU);
    this.value = v & ~CF9_RST_CPU;
    if (v & CF9_RST_CPU) this.resetFn(v & CF9_FULL_RST ? 'cold' : 'warm');
  }
}
