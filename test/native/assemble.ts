// Batch assembler over nasm: many snippets, one nasm run, cached on disk.
//
// All snippets of a batch share one flat `-f bin` section (nasm gets very slow
// with thousands of sections), each starting 64-byte aligned at its own offset.
// So snippets must be position independent: relative jumps/labels are fine,
// absolute references to their own labels (mov rax, label) are not. Labels are
// private to their snippet. Returned arrays are fresh copies.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir } from './native';

const CACHE_VERSION = 'asm-v2';
const memo = new Map<string, Uint8Array>();

export function assemble64(snippets: string[]): Uint8Array[] {
  return assemble(snippets, 64);
}

export function assemble(snippets: string[], bits: 16 | 32 | 64): Uint8Array[] {
  const keys = snippets.map((s) => hash(`${CACHE_VERSION}\0${bits}\0${s}`));
  if (keys.every((k) => memo.has(k))) return keys.map((k) => memo.get(k)!.slice());

  // One cache file per batch (thousands of tiny files are slow to write).
  const dir = join(buildDir(), 'asm-cache');
  const file = join(dir, `${hash(keys.join(''))}.bin`);
  const cached = readBatch(file, keys.length);
  if (cached) {
    keys.forEach((k, i) => memo.set(k, cached[i]));
    return cached.map((b) => b.slice());
  }
  const todo = [...new Map(keys.map((k, i) => [k, i] as const)).values()].filter((i) => !memo.has(keys[i]));
  if (todo.length) {
    const got = assembleAll(todo.map((i) => snippets[i]), bits, todo);
    todo.forEach((i, j) => memo.set(keys[i], got[j]));
  }
  const out = keys.map((k) => memo.get(k)!);
  writeBatch(dir, file, out);
  return out.map((b) => b.slice());
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

// Batch file: u32 count, u32 length[count], then the bytes back to back.
function readBatch(file: string, n: number): Uint8Array[] | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 4 + 4 * n || buf.readUInt32LE(0) !== n) return undefined;
  const out: Uint8Array[] = [];
  let o = 4 + 4 * n;
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32LE(4 + 4 * i);
    if (o + len > buf.length) return undefined;
    out.push(new Uint8Array(buf.subarray(o, o + len)));
    o += len;
  }
  return o === buf.length ? out : undefined;
}

function writeBatch(dir: string, file: string, parts: Uint8Array[]): void {
  const head = Buffer.alloc(4 + 4 * parts.length);
  head.writeUInt32LE(parts.length, 0);
  parts.forEach((p, i) => head.writeUInt32LE(p.length, 4 + 4 * i));
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, ...parts]));
  renameSync(tmp, file); // atomic: parallel test processes may race
}

// Non-local labels and `equ` names a snippet defines; renamed per snippet so
// snippets sharing one nasm run cannot clash (`top:` in many snippets is fine).
const LABEL_DEF = /^\s*([A-Za-z_?][\w?@#~.$]*)\s*(?::|\s+equ\b)/gim;

/** Assembles all texts in one nasm run; throws listing every bad snippet (by ids[i]). */
function assembleAll(texts: string[], bits: number, ids: number[]): Uint8Array[] {
  // Layout: table of (offset, length) dword pairs, then each snippet at a
  // 64-byte boundary so `align` inside a snippet behaves as at CODE_VA.
  const lines = [`BITS ${bits}`, 'sectalign off', 'section .text align=64'];
  for (let i = 0; i < texts.length; i++) lines.push(`dd __snip_b${i}, __snip_e${i} - __snip_b${i}`);
  const ranges: [number, number][] = [];
  texts.forEach((t, i) => {
    const names = [...new Set([...t.matchAll(LABEL_DEF)].map((m) => m[1]))];
    lines.push('align 64, db 0xCC', `__snip_b${i}:`, ...names.map((n) => `%define ${n} __snip${i}_${n}`));
    const first = lines.length + 1; // 1-based line of the snippet's first line
    lines.push(...t.split(/\r?\n/));
    ranges.push([first, lines.length]);
    lines.push(...names.map((n) => `%undef ${n}`), `__snip_e${i}:`);
  });
  const dir = mkdtempSync(join(buildDir(), 'asm-tmp-'));
  try {
    const src = join(dir, 'in.asm'), bin = join(dir, 'out.bin');
    writeFileSync(src, lines.join('\n') + '\n');
    const r = spawnSync('nasm', ['-f', 'bin', '-o', bin, src], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.error) throw new Error(`cannot run nasm: ${r.error.message}`);
    if (r.status === 0) {
      const buf = readFileSync(bin);
      return texts.map((_, i) => {
        const off = buf.readUInt32LE(i * 8), len = buf.readUInt32LE(i * 8 + 4);
        return new Uint8Array(buf.subarray(off, off + len));
      });
    }
    // Map "in.asm:LINE: error: msg" back to snippets.
    const stderr = (r.stderr ?? '').replaceAll(`${src}:`, 'in.asm:').trim();
    const blamed = new Map<number, string[]>();
    for (const m of stderr.matchAll(/^in\.asm:(\d+): (?:error|fatal): (.*)$/gm)) {
      const line = Number(m[1]);
      const j = ranges.findIndex(([a, b]) => line >= a && line <= b);
      if (j < 0) continue;
      const msg = `line ${line - ranges[j][0] + 1}: ${m[2].replace(/__snip\d+_/g, '')}`;
      blamed.set(j, [...(blamed.get(j) ?? []), msg]);
    }
    if (!blamed.size) throw new Error(`nasm failed:\n${stderr}`);
    const failures = [...blamed].map(([j, msgs]) => `snippet #${ids[j]}:\n${indent(texts[j])}\n  nasm: ${msgs.join('\n  nasm: ')}`);
    const more = failures.length > 10 ? `\n... and ${failures.length - 10} more` : '';
    throw new Error(`nasm failed on ${failures.length} snippet(s):\n${failures.slice(0, 10).join('\n')}${more}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}
