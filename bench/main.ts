// Benchmarks: `npm run bench -- NAME` (cpu). Prints one JSON line per measurement.
import { benchCpu } from './cpu';

const BENCHES: Record<string, () => void> = { cpu: benchCpu };
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const n of names.length ? names : Object.keys(BENCHES)) BENCHES[n]();
