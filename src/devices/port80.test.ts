import test = require('node:test');
import assert = require('node:assert/strict');
import { Port80 } from './port80';

test('port 80h counts writes and shows the last POST code', () => {
  const p = new Port80();
  p.write(0, 1, 0x12);
  p.write(0, 1, 0x34);
  assert.equal(p.writes, 2);
  assert.equal(p.read(0, 1), 0x34);
});
