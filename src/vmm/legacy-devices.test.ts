// Property: random port I/O from a hostile guest to every legacy PC device, wired on a
// PioBus as the machine wires them, never throws and never hangs; every read returns a value
// of the access size; the device side stays sane (PIC vectors, PIT deadlines).
import test = require('node:test');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { AccessSize } from '../devices/device';
import { PioBus } from './bus';
import { Uart16550 } from '../devices/uart16550';
import { I8259Pair } from '../devices/i8259';
import { I8254 } from '../devices/i8254';
import { CmosRtc } from '../devices/cmos-rtc';
import { I8042 } from '../devices/i8042';
import { Port80 } from '../devices/port80';
import { DebugExit } from '../devices/debug-exit';

function machine() {
  let now = 0;
  const pic = new I8259Pair();
  const pit = new I8254(() => now, pic.irqLine(0));
  const uart = new Uart16550({ irq: pic.irqLine(4), out: () => {} });
  const rtc = new CmosRtc(() => 1.7e12 + now / 1e6, { belowFourGiB: 1 << 28, aboveFourGiB: 0 });
  const kbc = new I8042({ irq1: pic.irqLine(1), irq12: pic.irqLine(12) });
  const bus = new PioBus();
  bus.register(0x20, 2, pic.master, 'pic-master');
  bus.register(0xa0, 2, pic.slave, 'pic-slave');
  bus.register(0x4d0, 2, pic.elcr, 'elcr');
  bus.register(0x40, 4, pit, 'pit');
  bus.register(0x61, 1, pit.portB, 'port-b');
  bus.register(0x60, 1, kbc.data, 'i8042-data');
  bus.register(0x64, 1, kbc.control, 'i8042-control');
  bus.register(0x92, 1, kbc.portA, 'port-a');
  bus.register(0x70, 2, rtc, 'cmos');
  bus.register(0x80, 1, new Port80(), 'post');
  bus.register(0xf4, 1, new DebugExit(() => {}), 'debug-exit');
  bus.register(0x3f8, 8, uart, 'com1');
  return { bus, pic, pit, uart, advance: (ns: number) => (now += ns), now: () => now };
}

const PORTS = [0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x60, 0x64, 0x92, 0x70, 0x71, 0x80, 0xf4,
  0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x400, 0x1f];

const op = fc.oneof(
  fc.record({ kind: fc.constant('out' as const), port: fc.constantFrom(...PORTS), size: fc.constantFrom<AccessSize>(1, 2, 4), value: fc.nat(0xffffffff) }),
  fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(...PORTS), size: fc.constantFrom<AccessSize>(1, 2, 4) }),
  fc.record({ kind: fc.constant('time' as const), ns: fc.nat(100_000_000) }),
  fc.record({ kind: fc.constant('inta' as const) }),
  fc.record({ kind: fc.constant('rx' as const), bytes: fc.array(fc.nat(0xff), { maxLength: 20 }) }),
  fc.record({ kind: fc.constant('irq' as const), n: fc.nat(15), level: fc.boolean() }),
);

test('random port I/O to every legacy device never throws or hangs', () => {
  const t0 = Date.now();
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const m = machine();
      for (const o of ops) {
        switch (o.kind) {
          case 'out': m.bus.write(o.port, o.size, o.value); break;
          case 'in': {
            const v = m.bus.read(o.port, o.size);
            assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * o.size), `in 0x${o.port.toString(16)} -> ${v}`);
            break;
          }
          case 'time': m.advance(o.ns); m.pit.poll(); break;
          case 'inta': {
            const vec = m.pic.acknowledge();
            assert.ok(Number.isInteger(vec) && vec >= 0 && vec <= 0xff);
            break;
          }
          case 'rx': assert.ok(m.uart.receive(o.bytes) <= o.bytes.length); break;
          case 'irq': m.pic.setIrq(o.n, o.level); break;
        }
        const dl = m.pit.nextDeadlineNs();
        assert.ok(dl === null || Number.isFinite(dl));
      }
      // Snapshots of whatever state the guest left are valid input to restore.
      m.uart.restore(m.uart.snapshot());
      m.pic.restore(m.pic.snapshot());
      m.pit.restore(m.pit.snapshot());
    }),
    { numRuns: 300 },
  );
  assert.ok(Date.now() - t0 < 20_000);
});
