// Benchmarks: `npm run bench -- NAME` (cpu). Prints one JSON line per measurement.
import { benchCpu } from './cpu';
import { benchBoot } from './boot';

const BENCHES: Record<string, () => void | Promise<void>> = { cpu: benchCpu, boot: benchBoot };
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
(async () => {
  for (const n of names.length ? names : Object.keys(BENCHES)) await BENCHES[n]();
})().catch((e: Error) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
