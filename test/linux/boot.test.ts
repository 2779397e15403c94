// Debian's own kernel with the busybox initramfs boots to userspace on tsvisor, unmodified;
// the test types on the serial console and checks the answers (issue 3).
import test = require('node:test');
import assert = require('node:assert/strict');
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const kernels = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-.*-cloud-amd64$/.test(f)).sort() : [];
const KERNEL = kernels.length ? join('/boot', kernels[kernels.length - 1]) : '';
const INITRD = join(ROOT, '.work', 'initramfs.cpio.gz');

/** A console session: collects output, waits for text, types lines. */
class Console {
  out = '';
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];
  constructor(readonly child: ReturnType<typeof spawn>) {
    child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString('latin1');
      this.waiters = this.waiters.filter((w) => {
        const m = this.out.slice(w.from).match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    });
  }
  waitFor(re: RegExp, from = 0, ms = 240_000): Promise<RegExpMatchArray> {
    const m = this.out.slice(from).match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; console tail:\n${this.out.slice(-2000)}`)), ms);
      this.waiters.push({ re, from, resolve: (mm) => { clearTimeout(t); resolve(mm); } });
    });
  }
  /** Run a shell command; resolves with its output between two markers. */
  async run(cmd: string, ms?: number): Promise<string> {
    const id = Math.random().toString(36).slice(2, 8);
    const from = this.out.length;
    this.child.stdin!.write(`echo BEGIN-${id}; ${cmd}; echo END-${id}\n`);
    const m = await this.waitFor(new RegExp(`\\nBEGIN-${id}\\r?\\n([\\s\\S]*?)END-${id}`), from, ms);
    return m[1];
  }
}

test('Debian kernel + busybox initramfs boot to a shell; commands answer; poweroff -f ends with status 0',
  { skip: !KERNEL ? 'no Debian cloud kernel in /boot (scripts/setup.sh installs it)' : !existsSync(INITRD) ? 'no .work/initramfs.cpio.gz (scripts/setup.sh)' : false, timeout: 600_000 },
  async (t) => {
    const child = spawn(process.execPath, [CLI, 'run', '--kernel', KERNEL, '--initrd', INITRD, '--append', 'console=ttyS0 panic=-1', '--stats'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    const con = new Console(child);
    try {
      const t0 = Date.now();
      await con.waitFor(/TSVISOR-INIT/);
      t.diagnostic(`reached /init after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await con.waitFor(/# /);
      const release = kernels[kernels.length - 1].replace(/^vmlinuz-/, '');
      assert.equal((await con.run('uname -r')).trim(), release);
      const cpuinfo = await con.run('cat /proc/cpuinfo');
      assert.match(cpuinfo, /vendor_id\s*:\s*AuthenticAMD/);
      assert.match(cpuinfo, /flags\s*:.*\bsse2\b/);
      // sleep 1 takes about a second of guest time: measured with the guest's own clock.
      const slept = (await con.run("a=$(cut -d' ' -f1 /proc/uptime); sleep 1; b=$(cut -d' ' -f1 /proc/uptime); echo $a $b")).trim().split(/\s+/).map(Number);
      const dt = slept[1] - slept[0];
      assert.ok(dt >= 0.9 && dt < 3, `sleep 1 took ${dt} s of guest time`);
      const guestEpoch = Number((await con.run('date +%s')).trim());
      assert.ok(Math.abs(guestEpoch - Date.now() / 1000) < 120, `guest date ${guestEpoch} vs host ${Math.round(Date.now() / 1000)}`);
      child.stdin!.write('poweroff -f\n');
      const status = await exited;
      assert.equal(status, 0, `exit status; stderr:\n${stderr}`);
      assert.match(stderr, /powered off/);
      assert.match(stderr, /IOIO/); // --stats lists exits by SVM exit-code name
    } finally {
      child.kill('SIGKILL');
    }
  });
