// POST diagnostic port 80h (pc-platform.md section 1): Linux's io_delay writes here. Writes are
// ignored but counted; a read returns the last byte written, as a POST card shows it.
// Register: port80 -> 0x80 (1 port); the same class serves 0xED, the alternative delay port.
import { AccessSize, BusDevice } from './device';

export class Port80 implements BusDevice {
  readonly maxAccessSize = 1;
  writes = 0;
  reads = 0;
  last = 0;

  read(_offset: number, _size: AccessSize): number {
    this.reads++;
    return this.last;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    this.writes++;
    this.last = value & 0xff;
  }
}
