import { test } from 'node:test';
import assert = require('node:assert/strict');
import { PhysMem } from '../phys-mem';
import { IOPM_SIZE, ioAccessIntercepted, setIoIntercept, buildIoioExitInfo1, decodeIoioExitInfo1 } from './iopm';

const IOPM = 0x4000;
function fresh(): PhysMem {
  return new PhysMem(0x8000);
}

test('IOPM is 12 KiB', () => {
  assert.equal(IOPM_SIZE, 12288);
});

test('single-port bits, all sizes', () => {
  const mem = fresh();
  setIoIntercept(mem, IOPM, 0x3f8, true);
  assert.equal(mem.read8(IOPM + 0x3f8 / 8), 1);
  for (const size of [1, 2, 4]) {
    assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f8, size), true, `size ${size} at 3f8`);
    assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f9, size), false, `size ${size} at 3f9`);
  }
  assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f7, 1), false);
  assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f7, 2), true); // covers 3f7..3f8
  assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f5, 4), true); // covers 3f5..3f8
  assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f4, 4), false); // covers 3f4..3f7
  setIoIntercept(mem, IOPM, 0x3f8, false);
  assert.equal(ioAccessIntercepted(mem, IOPM, 0x3f8, 1), false);
});

test('accesses crossing a byte boundary OR the bits of both bytes', () => {
  const mem = fresh();
  setIoIntercept(mem, IOPM, 8, true); // bit 0 of byte 1
  assert.equal(ioAccessIntercepted(mem, IOPM, 7, 1), false);
  assert.equal(ioAccessIntercepted(mem, IOPM, 7, 2), true); // ports 7, 8: only bit 8 set
  assert.equal(ioAccessIntercepted(mem, IOPM, 6, 2), false);
  assert.equal(ioAccessIntercepted(mem, IOPM, 5, 4), true); // 5..8
  assert.equal(ioAccessIntercepted(mem, IOPM, 4, 4), false); // 4..7
  assert.equal(ioAccessIntercepted(mem, IOPM, 8, 4), true);
  assert.equal(ioAccessIntercepted(mem, IOPM, 9, 4), false);
  // Exhaustive against a reference: any port p..p+size-1 with its bit set.
  const set = new Set([8, 0x41, 0x47, 0x1000]);
  for (const p of set) setIoIntercept(mem, IOPM, p, true);
  for (let port = 0; port < 0x1010; port++) {
    for (const size of [1, 2, 4]) {
      let want = false;
      for (let k = 0; k < size; k++) want ||= set.has(port + k);
      assert.equal(ioAccessIntercepted(mem, IOPM, port, size), want, `port ${port} size ${size}`);
    }
  }
});

test('the map runs past port FFFFh', () => {
  const mem = fresh();
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xffff, 4), false);
  mem.write8(IOPM + 0x2000, 0x02); // bit 0x10001, beyond port FFFFh
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xffff, 4), true); // 0xFFFF..0x10002
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xfffe, 4), true); // 0xFFFE..0x10001
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xfffd, 4), false); // 0xFFFD..0x10000
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xffff, 1), false);
  setIoIntercept(mem, IOPM, 0xffff, true);
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xffff, 1), true);
  assert.equal(ioAccessIntercepted(mem, IOPM, 0xfffc, 4), true);
});

test('low 12 bits of the IOPM base are ignored', () => {
  const mem = fresh();
  setIoIntercept(mem, IOPM, 0x60, true);
  assert.equal(ioAccessIntercepted(mem, IOPM + 0xabc, 0x60, 1), true);
  assert.equal(ioAccessIntercepted(mem, IOPM + 0xabc, 0x61, 1), false);
});

test('IOIO EXITINFO1 encoding (svm.md 6.1)', () => {
  // IN AL, 60h
  assert.equal(buildIoioExitInfo1({ isIn: true, isString: false, isRep: false, sizeBytes: 1, addrSize: 64, port: 0x60 }),
    (0x60 << 16) | (1 << 9) | (1 << 4) | 1);
  // OUT DX, EAX at port 0xCFC, 32-bit addressing
  assert.equal(buildIoioExitInfo1({ isIn: false, isString: false, isRep: false, sizeBytes: 4, addrSize: 32, port: 0xcfc }),
    ((0xcfc << 16) | (1 << 8) | (1 << 6)) >>> 0);
  // REP OUTSW from FS, 16-bit addressing, port 0x8000 (bit 31 set, result unsigned)
  const v = buildIoioExitInfo1({ isIn: false, isString: true, isRep: true, sizeBytes: 2, addrSize: 16, segment: 4, port: 0x8000 });
  assert.equal(v, 0x8000_0000 + (4 << 10) + (1 << 7) + (1 << 5) + (1 << 3) + (1 << 2));
  assert.ok(v > 0);
  assert.deepEqual(decodeIoioExitInfo1(v), { isIn: false, isString: true, isRep: true, sizeBytes: 2, addrSize: 16, segment: 4, port: 0x8000 });
  assert.deepEqual(decodeIoioExitInfo1(v | 0), decodeIoioExitInfo1(v));
  assert.throws(() => buildIoioExitInfo1({ isIn: true, isString: false, isRep: false, sizeBytes: 3 as 1, addrSize: 64, port: 0 }), RangeError);
  assert.throws(() => buildIoioExitInfo1({ isIn: true, isString: false, isRep: false, sizeBytes: 1, addrSize: 8 as 16, port: 0 }), RangeError);
  assert.throws(() => buildIoioExitInfo1({ isIn: true, isString: true, isRep: false, sizeBytes: 1, addrSize: 64, segment: 6, port: 0 }), RangeError);
});
