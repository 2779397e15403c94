// Batch assembler over nasm: many snippets, one nasm run, cached on disk.
//
// All snippets of a batch share one flat `-f bin` section (nasm gets very slow
// with thousands of sections), each starting 64-byte aligned at its own offset.
// So snippets must be position independent: relative jumps/labels are fine,
// absolute references to their own labels (mov rax, label) are not.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from './native';

const CACHE_VERSION = 'asm-v1';
const memo = new Map<string, Uint8Array>();

export function assemble64(snippets: string[]): Uint8Array[] {
  return assemble(snippets, 64);
}

export function assemble(snippets: string[], bits: 16 | 32 | 64): Uint8Array[] {
  const cacheDir = join(buildDir(), 'asm-cache');
  mkdirSync(cacheDir, { recursive: true });
  const keys = snippets.map((s) => createHash('sha256').update(`${CACHE_VERSION}\0${bits}\0${s}`).digest('hex'));
  const out: (Uint8Array | undefined)[] = keys.map((k) => memo.get(k) ?? readCache(cacheDir, k));

  // Assemble the misses (each distinct text once).
  const missing = new Map<string, number>();
  out.forEach((b, i) => { if (!b && !missing.has(keys[i])) missing.set(keys[i], i); });
  if (missing.size) {
    const idx = [...missing.values()];
    const got = assembleAll(idx.map((i) => snippets[i]), bits);
    idx.forEach((i, j) => writeCache(cacheDir, keys[i], got[j]));
  }
  return keys.map((k, i) => {
    const b = out[i] ?? memo.get(k)!;
    memo.set(k, b);
    return b;
  });

  function writeCache(dir: string, key: string, bytes: Uint8Array): void {
    memo.set(key, bytes);
    const tmp = join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(dir, `${key}.bin`));
  }
}

function readCache(dir: string, key: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(join(dir, `${key}.bin`)));
  } catch {
    return undefined;
  }
}

/** Assembles texts with as few nasm runs as possible; throws listing every bad snippet. */
function assembleAll(texts: string[], bits: number): Uint8Array[] {
  const res: Uint8Array[] = new Array(texts.length);
  const failures: string[] = [];
  let pending = texts.map((_, i) => i);
  // A failing batch is retried without the snippets nasm blamed; those are
  // assembled alone (this also resolves label clashes between snippets).
  while (pending.length) {
    const r = runNasm(pending.map((i) => texts[i]), bits);
    if (r.ok) {
      pending.forEach((i, j) => { res[i] = r.ok![j]; });
      break;
    }
    const blamed = new Set([...r.blamed.keys()].map((j) => pending[j]));
    const alone = blamed.size && pending.length > 1 ? [...blamed] : pending;
    for (const i of alone) {
      const one = pending.length === 1 ? r : runNasm([texts[i]], bits);
      if (one.ok) res[i] = one.ok[0];
      else failures.push(`snippet #${i}:\n${indent(texts[i])}\nnasm: ${one.blamed.get(0) ?? one.stderr}`);
    }
    const done = new Set(alone);
    pending = pending.filter((i) => !done.has(i));
  }
  if (failures.length) {
    const shown = failures.slice(0, 10).join('\n');
    const more = failures.length > 10 ? `\n... and ${failures.length - 10} more` : '';
    throw new Error(`nasm failed on ${failures.length} snippet(s):\n${shown}${more}`);
  }
  return res;
}

interface NasmRun { ok?: Uint8Array[]; blamed: Map<number, string>; stderr: string }

function runNasm(texts: string[], bits: number): NasmRun {
  // Layout: table of (offset, length) dword pairs, then each snippet at a
  // 64-byte boundary so `align` inside a snippet behaves as at CODE_VA.
  const lines = [`BITS ${bits}`, 'sectalign off', 'section .text align=64'];
  for (let i = 0; i < texts.length; i++) lines.push(`dd __snip_b${i}, __snip_e${i} - __snip_b${i}`);
  const ranges: [number, number][] = [];
  texts.forEach((t, i) => {
    lines.push('align 64, db 0xCC', `__snip_b${i}:`);
    const first = lines.length + 1; // 1-based line of the snippet's first line
    lines.push(...t.split(/\r?\n/));
    ranges.push([first, lines.length]);
    lines.push(`__snip_e${i}:`);
  });
  const dir = mkdtempSync(join(buildDir(), 'asm-tmp-'));
  try {
    const src = join(dir, 'in.asm'), bin = join(dir, 'out.bin');
    writeFileSync(src, lines.join('\n') + '\n');
    const r = spawnSync('nasm', ['-f', 'bin', '-o', bin, src], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.error) throw new Error(`cannot run nasm: ${r.error.message}`);
    const stderr = r.stderr ?? '';
    if (r.status === 0) {
      const buf = readFileSync(bin);
      const ok = texts.map((_, i) => {
        const off = buf.readUInt32LE(i * 8), len = buf.readUInt32LE(i * 8 + 4);
        return new Uint8Array(buf.subarray(off, off + len));
      });
      return { ok, blamed: new Map(), stderr };
    }
    // Map "in.asm:LINE: error: msg" lines back to snippets.
    const blamed = new Map<number, string>();
    for (const m of stderr.matchAll(/^.*?:(\d+): (?:error|fatal): (.*)$/gm)) {
      const line = Number(m[1]);
      const j = ranges.findIndex(([a, b]) => line >= a && line <= b);
      if (j < 0) continue;
      const msg = `line ${line - ranges[j][0] + 1}: ${m[2]}`;
      blamed.set(j, blamed.has(j) ? `${blamed.get(j)}; ${msg}` : msg);
    }
    return { blamed, stderr: stderr.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}
