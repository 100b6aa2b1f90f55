// Training speed of the probe U-Net (depth 3, 16/32/64 filters, 128 bottleneck, 6 classes, Adam, batch 8 of
// 1×128×128): ours on the wasm backend (one network in a worker; the two CPS networks in two workers) and on the
// webgpu backend when Dawn has an adapter (a real GPU, or the software lavapipe `npm run bench` adds), beside
// PyTorch (Debian's python3-torch via /usr/bin/python3, same network, bench/peers/unet_torch.py), from one run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainWorkerConfig, TrainWorkerResult } from './train-worker';

const PYTHON = '/usr/bin/python3';
const BATCH = 8;
const SIZE = 128;
const CLASSES = 6;
const STEPS = Number(process.env.SEISGROW_BENCH_STEPS ?? 4);
const INFER = 3;
const here = __dirname;

function runWorker(cfg: TrainWorkerConfig): Promise<TrainWorkerResult> {
  // tsx's CommonJS hook inside the worker lets it load the TypeScript harness directly.
  const code = `require('tsx/cjs'); require(${JSON.stringify(join(here, 'train-worker.ts'))});`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: cfg });
    w.once('message', (m: { ok: boolean; result?: TrainWorkerResult; error?: string }) => {
      void w.terminate();
      if (m.ok) resolve(m.result!); else reject(new Error(m.error));
    });
    w.once('error', reject);
  });
}

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const best = (v: number[]) => Math.min(...v);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');

interface Row { name: string; networks: number; stepBest: number; stepMedian: number; cpuPerStep: number; infer: number; memory: string; load?: number }

function torchAvailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return probe.stdout.trim();
  if (process.env.SEISGROW_BENCH_NO_INSTALL) return undefined;
  console.log('python3-torch is missing; installing it with apt-get (Debian package, once)...');
  spawnSync('apt-get', ['install', '-y', 'python3-torch'], { stdio: 'ignore' });
  const again = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return again.status === 0 ? again.stdout.trim() : undefined;
}

interface TorchResult { stepMsBest: number; stepMsMedian: number; cpuMsPerStep: number; inferMsBest: number; peakRssMiB: number; params: number }

function torch(threads: number, networks: number): TorchResult {
  const r = spawnSync(PYTHON, [join(here, 'peers', 'unet_torch.py'), '--threads', String(threads), '--networks', String(networks),
    '--steps', String(STEPS), '--batch', String(BATCH), '--size', String(SIZE), '--classes', String(CLASSES)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unet_torch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

/** Two single-threaded PyTorch processes side by side: the layout our CPS workers use. */
async function torchTwoProcesses(): Promise<{ stepBest: number; stepMedian: number; cpu: number; infer: number; rss: number }> {
  const { spawn } = await import('node:child_process');
  const one = () => new Promise<TorchResult>((resolve, reject) => {
    const p = spawn(PYTHON, [join(here, 'peers', 'unet_torch.py'), '--threads', '1', '--networks', '1', '--steps', String(STEPS),
      '--batch', String(BATCH), '--size', String(SIZE), '--classes', String(CLASSES)]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`exit ${code}`))));
  });
  const [a, b] = await Promise.all([one(), one()]);
  // CPU is summed (both networks' work); wall is the slower process's, as our lockstep pair waits for the slower worker.
  return { stepBest: Math.max(a.stepMsBest, b.stepMsBest), stepMedian: Math.max(a.stepMsMedian, b.stepMsMedian),
    cpu: a.cpuMsPerStep + b.cpuMsPerStep, infer: Math.max(a.inferMsBest, b.inferMsBest), rss: a.peakRssMiB + b.peakRssMiB };
}

async function main(): Promise<void> {
  const load0 = loadavg();
  console.log(`probe U-Net, batch ${BATCH}×1×${SIZE}×${SIZE}, ${CLASSES} classes, Adam; ${STEPS} timed steps after a warm-up; ` +
    `load average at start ${load0.map((v) => v.toFixed(1)).join(' ')} (2 cores; other work on the machine inflates every number)`);
  const rows: Row[] = [];
  // Each row is stamped with the 1-minute load average when it finished: wall times are only comparable at similar load.
  const push = (r: Row) => rows.push({ ...r, load: loadavg()[0] });
  const peak0 = process.resourceUsage().maxRSS;

  const single = await runWorker({ index: 0, backend: 'wasm', cps: false, batch: BATCH, size: SIZE, classes: CLASSES, steps: STEPS, inferBatches: INFER });
  push({ name: 'ours: wasm, 1 thread, 1 network', networks: 1, stepBest: best(single.stepMs), stepMedian: median(single.stepMs),
    cpuPerStep: median(single.stepCpuMs), infer: best(single.inferMs), memory: `wasm heap ${single.wasmHeapMiB.toFixed(0)} MiB` });

  try {
    // Two timed steps: on a software adapter (lavapipe on 2 cores) one step takes ~25 s.
    const gpu = await runWorker({ index: 0, backend: 'webgpu', cps: false, batch: BATCH, size: SIZE, classes: CLASSES, steps: Math.min(STEPS, 2), inferBatches: 1 });
    push({ name: `ours: webgpu on ${gpu.device ?? 'an unnamed adapter'}, 1 network`, networks: 1, stepBest: best(gpu.stepMs),
      stepMedian: median(gpu.stepMs), cpuPerStep: median(gpu.stepCpuMs), infer: best(gpu.inferMs), memory: 'GPU buffers' });
  } catch (err) {
    console.log(`webgpu row omitted: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }

  const pixels = BATCH * SIZE * SIZE;
  const shared = new SharedArrayBuffer(8 + 2 * pixels);
  const pair = await Promise.all([0, 1].map((index) =>
    runWorker({ index: index as 0 | 1, backend: 'wasm', cps: true, shared, batch: BATCH, size: SIZE, classes: CLASSES, steps: STEPS, inferBatches: INFER })));
  // The workers run in lockstep (they wait for each other's argmax), so a CPS step takes the slower one's time.
  const cpsStep = pair[0].stepMs.map((v, i) => Math.max(v, pair[1].stepMs[i]));
  // process.cpuUsage() in a worker is the whole process's: during a lockstep CPS step that is both workers' CPU.
  push({ name: 'ours: CPS, 2 networks in 2 workers', networks: 2, stepBest: best(cpsStep), stepMedian: median(cpsStep),
    cpuPerStep: median(pair[0].stepCpuMs), infer: Math.max(best(pair[0].inferMs), best(pair[1].inferMs)),
    memory: `wasm heaps ${pair.map((p) => p.wasmHeapMiB.toFixed(0)).join(' + ')} MiB` });
  const oursPeak = Math.max(process.resourceUsage().maxRSS, peak0) / 1024;

  const torchVersion = torchAvailable();
  if (torchVersion) {
    const t11 = torch(1, 1);
    push({ name: `PyTorch ${torchVersion}: 1 thread, 1 network`, networks: 1, stepBest: t11.stepMsBest, stepMedian: t11.stepMsMedian,
      cpuPerStep: t11.cpuMsPerStep, infer: t11.inferMsBest, memory: `peak RSS ${t11.peakRssMiB.toFixed(0)} MiB` });
    const t21 = torch(2, 1);
    push({ name: `PyTorch ${torchVersion}: 2 threads, 1 network`, networks: 1, stepBest: t21.stepMsBest, stepMedian: t21.stepMsMedian,
      cpuPerStep: t21.cpuMsPerStep, infer: t21.inferMsBest, memory: `peak RSS ${t21.peakRssMiB.toFixed(0)} MiB` });
    const t22 = torch(2, 2);
    push({ name: `PyTorch ${torchVersion}: 2 threads, 2 networks`, networks: 2, stepBest: t22.stepMsBest, stepMedian: t22.stepMsMedian,
      cpuPerStep: t22.cpuMsPerStep, infer: t22.inferMsBest, memory: `peak RSS ${t22.peakRssMiB.toFixed(0)} MiB` });
    const tp = await torchTwoProcesses();
    push({ name: `PyTorch ${torchVersion}: 2 processes × 1 thread`, networks: 2, stepBest: tp.stepBest, stepMedian: tp.stepMedian,
      cpuPerStep: tp.cpu, infer: tp.infer, memory: `peak RSS ${tp.rss.toFixed(0)} MiB (sum)` });
  } else {
    console.log('PyTorch unavailable (python3-torch could not be installed): peer columns omitted');
  }

  console.log('\n| configuration | networks | ms/step best | ms/step median | CPU ms/step | ms/inference batch (all nets) | memory | load |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.networks} | ${fmt(r.stepBest)} | ${fmt(r.stepMedian)} | ${fmt(r.cpuPerStep)} | ${fmt(r.infer)} | ${r.memory} | ${r.load?.toFixed(1) ?? ''} |`);
  }
  console.log(`\nours: process peak RSS ${oursPeak.toFixed(0)} MiB (bench process with its workers); parameters ${single.parameters}`);
  if (torchVersion) {
    const ours1 = rows[0];
    const oursCps = rows.find((r) => r.name.startsWith('ours: CPS'))!;
    const oursGpu = rows.find((r) => r.name.startsWith('ours: webgpu'));
    const torch1 = rows.filter((r) => r.networks === 1 && r.name.startsWith('PyTorch')).reduce((a, b) => (a.stepMedian < b.stepMedian ? a : b));
    const torch2 = rows.filter((r) => r.networks === 2 && r.name.startsWith('PyTorch')).reduce((a, b) => (a.stepMedian < b.stepMedian ? a : b));
    const inf1 = rows.filter((r) => r.networks === 1 && r.name.startsWith('PyTorch')).reduce((a, b) => (a.infer < b.infer ? a : b));
    const torchSingle = rows.find((r) => r.name.startsWith('PyTorch') && r.name.endsWith('1 thread, 1 network'))!;
    const torchPair = rows.find((r) => r.name.startsWith('PyTorch') && r.name.endsWith('2 processes × 1 thread'))!;
    const line = (what: string, ours: number, peer: number, peerName: string) =>
      console.log(`| ${what} | ${fmt(ours)} | ${fmt(peer)} (${peerName.replace(/^PyTorch [^:]*: /, '')}) | ${(ours / peer).toFixed(2)} |`);
    console.log('\n| comparison (medians; ratio = ours ÷ PyTorch, below 1 = we are faster) | ours ms | PyTorch ms | ratio |');
    console.log('|---|---|---|---|');
    // CPU time per step is what contention from other processes distorts least on a shared machine.
    line('training step, 1 network, CPU time (both single-threaded)', ours1.cpuPerStep, torchSingle.cpuPerStep, torchSingle.name);
    line('training step, 1 network, wall (fastest PyTorch configuration)', ours1.stepMedian, torch1.stepMedian, torch1.name);
    line('**CPS step, both networks, wall** (our 2 workers vs PyTorch 2 processes × 1 thread)', oursCps.stepMedian, torchPair.stepMedian, torchPair.name);
    line('**CPS step, both networks, CPU time** (sum over both networks)', oursCps.cpuPerStep, torchPair.cpuPerStep, torchPair.name);
    line('CPS step, both networks, wall (fastest PyTorch configuration)', oursCps.stepMedian, torch2.stepMedian, torch2.name);
    line('inference batch, 1 network (fastest PyTorch configuration)', ours1.infer, inf1.infer, inf1.name);
    if (oursGpu) line(`training step, 1 network, wall, ${oursGpu.name.replace(/^ours: /, '')}`, oursGpu.stepMedian, torch1.stepMedian, torch1.name);
  }
  console.log(`\nload average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
}

if (!existsSync(join(here, 'peers', 'unet_torch.py')) || !readFileSync(join(here, 'peers', 'unet_torch.py'), 'utf8').includes('class UNet')) {
  throw new Error('bench/peers/unet_torch.py is missing');
}
main().catch((e) => { console.error(e); process.exit(1); });
