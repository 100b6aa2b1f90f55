// `npm run bench`: every bench/*.bench.ts in turn, each printing its own tables (ours beside the peer's).
// Usage: node bench/run.mjs [name-filter ...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLavapipe } from '../scripts/ensure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
// The webgpu rows need a Dawn adapter: a software Vulkan driver is added to the machine's own (a real GPU stays first).
let env = process.env;
if (benches.some((f) => f.startsWith('train'))) {
  const vk = process.platform === 'linux' ? ensureLavapipe(dirname(here)) : { ok: false, reason: 'it is fetched on Linux only' };
  if (vk.ok) env = { ...env, ...vk.env };
  else console.log(`no software Vulkan driver for the webgpu rows: ${vk.reason}`);
}
let failed = 0;
for (const file of benches) {
  console.log(`\n### ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], { stdio: 'inherit', cwd: dirname(here), env });
  if (r.status !== 0) { failed++; console.log(`(${file} exited with ${r.status})`); }
}
process.exit(failed ? 1 : 0);
