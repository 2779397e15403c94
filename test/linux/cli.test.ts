// The tsvisor command line end to end: a multiboot test kernel exits through the
// debug-exit port with a chosen status; bad input gets a clear error and a non-zero status.
import test = require('node:test');
import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tsvisor-cli-'));

function tsvisor(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A multiboot (a.out kludge) kernel that prints a line on COM1 and writes `code` to port 0xF4. */
function exitKernel(code: number): string {
  const src = join(dir, `exit${code}.asm`), bin = join(dir, `exit${code}.bin`);
  writeFileSync(src, `bits 32
org 0x100000
hdr: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000), hdr, hdr, end, end, start
start: mov esi, msg
.p: lodsb
    test al, al
    jz .d
    mov dx, 0x3f8
    out dx, al
    jmp .p
.d: mov al, ${code}
    out 0xf4, al
    hlt
msg: db "MULTIBOOT-OK", 10, 0
end:
`);
  const r = spawnSync('nasm', ['-f', 'bin', '-o', bin, src], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return bin;
}

test('a multiboot kernel exits through debug-exit: status (V << 1) | 1', () => {
  for (const v of [0, 3, 21]) {
    const r = tsvisor(['run', '--kernel', exitKernel(v), '--memory', '32M']);
    assert.match(r.stdout, /MULTIBOOT-OK/);
    assert.equal(r.status, ((v << 1) | 1) & 0xff, r.stderr);
  }
});

test('bad input: clear errors and a non-zero status', () => {
  const missing = tsvisor(['run', '--kernel', join(dir, 'nope')]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no such file/);

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not a kernel\n'.repeat(100));
  const notKernel = tsvisor(['run', '--kernel', text]);
  assert.notEqual(notKernel.status, 0);
  assert.match(notKernel.stderr, /not a kernel|not a bzImage/);

  const truncated = join(dir, 'truncated');
  const kernel = readFileSync(exitKernel(1));
  writeFileSync(truncated, kernel.subarray(0, 40));
  const t = tsvisor(['run', '--kernel', truncated]);
  assert.notEqual(t.status, 0);
  assert.match(t.stderr, /tsvisor: /);
  assert.doesNotMatch(t.stderr, /internal error/);

  const mem = tsvisor(['run', '--kernel', exitKernel(1), '--memory', '64G']);
  assert.notEqual(mem.status, 0);
  assert.match(mem.stderr, /--memory/);

  const flag = tsvisor(['run', '--kernel', exitKernel(1), '--colour']);
  assert.notEqual(flag.status, 0);
  assert.match(flag.stderr, /unknown option/);
});
