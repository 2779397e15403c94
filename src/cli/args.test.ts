import test = require('node:test');
import assert = require('node:assert/strict');
import { parseArgs } from './args';
import { ConfigError, parseMemorySize, validateConfig } from '../api/config';

test('run with every option', () => {
  const c = parseArgs(['run', '--kernel', 'k', '--initrd', 'i', '--append', 'console=ttyS0', '--memory', '512M', '--stats']);
  assert.deepEqual(c, { kind: 'run', config: { kernel: 'k', initrd: 'i', append: 'console=ttyS0', memoryBytes: 512 << 20, stats: true } });
});
test('no arguments is the default guest', () => {
  assert.equal(parseArgs([]).kind, 'default');
});
test('bad flags and missing values are ConfigErrors', () => {
  assert.throws(() => parseArgs(['run', '--kernal', 'x']), ConfigError);
  assert.throws(() => parseArgs(['run', '--kernel']), /needs a value/);
  assert.throws(() => parseArgs(['run']), /needs --kernel/);
  assert.throws(() => parseArgs(['boot']), /unknown command/);
});
test('memory sizes', () => {
  assert.equal(parseMemorySize('256M'), 256 << 20);
  assert.equal(parseMemorySize('1G'), 1 << 30);
  assert.equal(parseMemorySize('65536k'), 64 << 20);
  assert.throws(() => parseMemorySize('lots'), ConfigError);
  assert.throws(() => parseMemorySize('-5M'), ConfigError);
});
test('validation: impossible memory and missing files', () => {
  const base = { kernel: __filename, append: '', memoryBytes: 256 << 20, stats: false };
  assert.equal(validateConfig(base), base);
  assert.throws(() => validateConfig({ ...base, memoryBytes: 1 << 20 }), /outside/);
  assert.throws(() => validateConfig({ ...base, memoryBytes: 64 * 2 ** 30 }), /outside/);
  assert.throws(() => validateConfig({ ...base, kernel: '/nonexistent/vmlinuz' }), /no such file/);
  assert.throws(() => validateConfig({ ...base, initrd: '/' }), /not a regular file/);
});
