// QEMU's isa-debug-exit (issue 3, devices/): the guest writes V to the port and tsvisor exits
// with status (V << 1) | 1, so a guest can never report 0 (that stays for poweroff).
// Register: debugExit -> 0xF4 (1 port; or 4 ports to take a wide OUT whole). On a 1-port range
// the bus splits a wide OUT into bytes and only the byte at offset 0 requests the exit, which
// changes nothing the process can report: its status keeps only the low 8 bits.
import { AccessSize, BusDevice } from './device';

export class DebugExit implements BusDevice {
  readonly maxAccessSize = 4;
  /** The last status requested, or null. */
  requested: number | null = null;
  writes = 0;

  /** `onExit` receives (V << 1) | 1 computed without 32-bit wrap; the VMM masks it to 8 bits. */
  constructor(private readonly onExit: (status: number) => void) {}

  read(_offset: number, _size: AccessSize): number {
    return 0xff;
  }

  write(offset: number, size: AccessSize, value: number): void {
    this.writes++;
    if (offset !== 0) return;
    const v = size === 1 ? value & 0xff : size === 2 ? value & 0xffff : value >>> 0;
    this.requested = v * 2 + 1;
    this.onExit(this.requested);
  }
}
