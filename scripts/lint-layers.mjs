// Layering rule (ARCHITECTURE.md): imports go downward only.
// common <- cpu <- hypervisor <- accel <- vmm/devices/boot <- api <- cli
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const RANK = { common: 0, cpu: 1, hypervisor: 2, accel: 3, devices: 3, boot: 3, vmm: 4, api: 5, cli: 6 };
// Extra denials beyond rank: devices never reach into cpu/ or hypervisor/.
const DENY = { devices: ['cpu', 'hypervisor', 'accel', 'vmm'], boot: ['cpu', 'hypervisor', 'accel', 'vmm'] };
const root = resolve('src');
const errors = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts')) check(p);
  }
}
function layerOf(file) { return relative(root, file).split(sep)[0]; }
function check(file) {
  const from = layerOf(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/g)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root)) continue;
    const to = layerOf(target);
    if (to === from) continue;
    if (!(from in RANK) || !(to in RANK)) { errors.push(`${relative('.', file)}: unknown layer in import '${spec}'`); continue; }
    if (RANK[to] > RANK[from] || (DENY[from] ?? []).includes(to)) {
      errors.push(`${relative('.', file)}: ${from}/ may not import ${to}/ ('${spec}')`);
    }
  }
}
walk(root);
if (errors.length) { console.error(errors.join('\n')); process.exit(1); }
console.log('layers ok');
