// `npm run bench -- boot`: Debian's kernel + the busybox initramfs on tsvisor and on
// qemu-system-x86_64 -accel tcg in the same run: seconds from start to the first line /init
// prints (TSVISOR-INIT), and tsvisor's peak RSS beyond guest RAM.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const MEM_MIB = 256;
const APPEND = 'console=ttyS0 panic=-1';

function peakRssMib(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch { return NaN; }
}

/** Start a command, resolve with seconds until `marker` appears on stdout (and the peak RSS then). */
function timeToMarker(cmd: string, args: string[], marker: string, limitS: number): Promise<{ s: number; rssMib: number }> {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    let rss = 0;
    const poll = setInterval(() => { rss = Math.max(rss, peakRssMib(child.pid!)); }, 200);
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd}: no ${marker} within ${limitS} s`)); }, limitS * 1000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes(marker)) {
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        rss = Math.max(rss, peakRssMib(child.pid!));
        clearTimeout(timer); clearInterval(poll);
        child.kill('SIGKILL');
        resolvePromise({ s, rssMib: rss });
      }
    });
    child.on('error', (e) => { clearTimeout(timer); clearInterval(poll); reject(e); });
  });
}

export async function benchBoot(): Promise<void> {
  const kernels = existsSync('/boot') ? readdirSync('/boot').filter((f) => /^vmlinuz-.*-cloud-amd64$/.test(f)).sort() : [];
  const initrd = join(ROOT, '.work', 'initramfs.cpio.gz');
  if (!kernels.length || !existsSync(initrd)) throw new Error('boot bench needs the default guest: run scripts/setup.sh first');
  const kernel = join('/boot', kernels[kernels.length - 1]);
  const ours = await timeToMarker(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'run', '--kernel', kernel,
    '--initrd', initrd, '--append', APPEND, '--memory', `${MEM_MIB}M`], 'TSVISOR-INIT', 600);
  let qemu: { s: number } | null = null;
  try {
    qemu = await timeToMarker('qemu-system-x86_64', ['-accel', 'tcg', '-m', `${MEM_MIB}M`, '-smp', '1', '-nographic', '-no-reboot',
      '-kernel', kernel, '-initrd', initrd, '-append', APPEND], 'TSVISOR-INIT', 120);
  } catch (e) {
    console.error(`qemu reference not measured: ${(e as Error).message} (apt-get install qemu-system-x86)`);
  }
  console.log(JSON.stringify({
    bench: 'boot',
    tsvisor_s: +ours.s.toFixed(2),
    qemu_tcg_s: qemu ? +qemu.s.toFixed(2) : null,
    ratio_to_qemu_tcg: qemu ? +(ours.s / qemu.s).toFixed(1) : null,
    tsvisor_rss_mib: +Math.max(0, ours.rssMib - MEM_MIB).toFixed(1),
    tsvisor_peak_rss_total_mib: +ours.rssMib.toFixed(1),
  }));
}
