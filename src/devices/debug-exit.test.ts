import test = require('node:test');
import assert = require('node:assert/strict');
import { DebugExit } from './debug-exit';

test('debug-exit: a write of V requests exit status (V << 1) | 1', () => {
  const got: number[] = [];
  const d = new DebugExit((s) => got.push(s));
  d.write(0, 1, 0x10);
  d.write(0, 4, 0x8000_0000);
  d.write(1, 1, 5); // not the exit byte
  assert.deepEqual(got, [0x21, 0x1_0000_0001]);
  assert.equal(got[0] & 0xff, 0x21);
  assert.equal(d.requested, 0x1_0000_0001);
});
