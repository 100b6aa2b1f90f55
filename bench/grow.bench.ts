// Region growing on a 1000×1000 section with 10 classes: our queue-based flood (src/ml/regionGrowing.ts) beside a
// straightforward numpy repeated-dilation implementation run by /usr/bin/python3 on the same inputs, in the same
// run. The peer's labels must equal ours (the bench fails otherwise), so the timing compares equal work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { growLabels, GrowOptions } from '../src/ml/regionGrowing';
import { Rng } from '../src/ml/random';
import { sparseTraceLabels } from '../src/ml/sparseLabels';

const H = 1000;
const W = 1000;
const C = 10;
const REPEATS = 5;

/** A layer-cake truth with wavy boundaries (like F3's depth-ordered units) and smooth, imperfect class probabilities. */
function makeInputs(rng: Rng): { truth: Uint8Array; probsA: Float32Array; probsB: Float32Array } {
  const phase = Array.from({ length: C }, () => rng.uniform(0, 2 * Math.PI));
  const boundary = (k: number, x: number) => ((k + 1) * H) / (C + 1) + 25 * Math.sin(x / 90 + phase[k]) + 10 * Math.sin(x / 23 + 2 * phase[k]);
  const truth = new Uint8Array(H * W);
  const probsA = new Float32Array(H * W * C);
  const probsB = new Float32Array(H * W * C);
  const logits = new Float64Array(C);
  for (let x = 0; x < W; x++) {
    const bounds = Array.from({ length: C - 1 }, (_, k) => boundary(k, x));
    for (let y = 0; y < H; y++) {
      let cls = 0;
      while (cls < C - 1 && y > bounds[cls]) cls++;
      truth[y * W + x] = cls;
    }
  }
  // Probabilities: softmax of a distance-to-unit score plus a smooth bias field, different for the two networks.
  for (const [probs, seedShift] of [[probsA, 0], [probsB, 1]] as const) {
    const wobble = Array.from({ length: C }, () => [rng.uniform(0, 6), rng.uniform(0, 6)]);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const t = truth[i];
      let m = -Infinity;
      for (let k = 0; k < C; k++) {
        const d = Math.abs(k - t);
        logits[k] = 3 - 2.5 * d + 1.2 * Math.sin(x / 70 + wobble[k][0] + seedShift) * Math.cos(y / 55 + wobble[k][1]);
        if (logits[k] > m) m = logits[k];
      }
      let s = 0;
      for (let k = 0; k < C; k++) { logits[k] = Math.exp(logits[k] - m); s += logits[k]; }
      for (let k = 0; k < C; k++) probs[i * C + k] = logits[k] / s;
    }
  }
  return { truth, probsA, probsB };
}

const PEER = String.raw`
import json, sys, time, tracemalloc, resource
import numpy as np
d = sys.argv[1]
H, W, C = json.loads(sys.argv[2])
cases = json.loads(sys.argv[3])
seeds0 = np.fromfile(d + '/seeds.u8', dtype=np.uint8).reshape(H, W)
A = np.fromfile(d + '/a.f32', dtype=np.float32).reshape(H, W, C)
B = np.fromfile(d + '/b.f32', dtype=np.float32).reshape(H, W, C)

def dilate(mask, r):
    # Chebyshev (square) dilation is separable: along rows, then along columns.
    out = mask.copy()
    for s in range(1, r + 1):
        out[s:, :] |= mask[:-s, :]; out[:-s, :] |= mask[s:, :]
    m2 = out.copy()
    for s in range(1, r + 1):
        out[:, s:] |= m2[:, :-s]; out[:, :-s] |= m2[:, s:]
    return out

def grow(seeds, a, b, r, th, agree, same):
    if b is None:
        cls = a.argmax(axis=2); p = np.take_along_axis(a, cls[..., None], 2)[..., 0].astype(np.float64)
        ok = p >= th
    else:
        mean = (a.astype(np.float64) + b.astype(np.float64)) / 2
        cls = mean.argmax(axis=2); p = np.take_along_axis(mean, cls[..., None], 2)[..., 0]
        ok = p >= th
        if agree: ok &= a.argmax(axis=2) == b.argmax(axis=2)
    cand = np.where(ok, cls, 255).astype(np.uint8)
    labels = seeds.copy()
    waves = []
    while True:
        free = (labels == 255) & (cand != 255)
        if same:
            near = np.zeros_like(free)
            for k in range(C):
                near |= dilate(labels == k, r) & (cand == k)
        else:
            near = dilate(labels != 255, r)
        new = free & near
        n = int(new.sum())
        if n == 0: break
        labels[new] = cand[new]
        waves.append(np.bincount(cand[new], minlength=C).tolist())
    return labels, waves

out = []
for c in cases:
    times = []; cpu = []
    tracemalloc.start()
    for _ in range(c['repeats']):
        t0 = time.perf_counter(); c0 = time.process_time()
        labels, waves = grow(seeds0, A, B if c['two'] else None, c['radius'], c['threshold'], c['agree'], c['same'])
        times.append((time.perf_counter() - t0) * 1000); cpu.append((time.process_time() - c0) * 1000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    labels.tofile(d + '/peer_' + c['name'] + '.u8')
    out.append({'ms': sorted(times)[len(times) // 2], 'cpuMs': sorted(cpu)[len(cpu) // 2], 'waves': len(waves), 'added': int(sum(map(sum, waves))), 'peakBytes': peak})
print(json.dumps({'cases': out, 'maxRssKiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;

interface Case { name: string; radius: number; threshold: number; two: boolean; agree: boolean; same: boolean }

const CASES: Case[] = [
  { name: 'r1', radius: 1, threshold: 0.6, two: false, agree: false, same: false },
  { name: 'r3', radius: 3, threshold: 0.6, two: false, agree: false, same: false },
  { name: 'r1-cps-agree', radius: 1, threshold: 0.6, two: true, agree: true, same: false },
  { name: 'r2-dsrg', radius: 2, threshold: 0.6, two: false, agree: false, same: true },
];

async function main(): Promise<void> {
  const rng = new Rng(2018);
  const { truth, probsA, probsB } = makeInputs(rng);
  // 8 full vertical traces, the way an interpreter ties wells: 0.8 % of the pixels.
  const seeds = sparseTraceLabels(truth, H, W, 8);
  const dir = mkdtempSync(join(tmpdir(), 'seisgrow-grow-bench-'));
  try {
    writeFileSync(join(dir, 'seeds.u8'), seeds);
    writeFileSync(join(dir, 'a.f32'), new Uint8Array(probsA.buffer));
    writeFileSync(join(dir, 'b.f32'), new Uint8Array(probsB.buffer));

    const ours: { ms: number; cpuMs: number; waves: number; added: number; extraBytes: number; labels: Uint8Array }[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    for (const c of CASES) {
      const opts: GrowOptions = { radius: c.radius, threshold: c.threshold, requireAgreement: c.agree, sameClassOnly: c.same };
      growLabels(seeds, H, W, probsA, c.two ? probsB : null, C, opts); // warm-up (JIT)
      const times: number[] = [];
      const cpu: number[] = [];
      let result = growLabels(seeds, H, W, probsA, c.two ? probsB : null, C, opts);
      let extraBytes = 0;
      for (let r = 0; r < REPEATS; r++) {
        gc?.();
        const before = process.memoryUsage().arrayBuffers;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        result = growLabels(seeds, H, W, probsA, c.two ? probsB : null, C, opts);
        const c1 = process.cpuUsage(c0);
        times.push(performance.now() - t0);
        cpu.push((c1.user + c1.system) / 1000);
        // Work arrays are garbage after return; measured before collection they show the allocation made by one call.
        extraBytes = Math.max(extraBytes, process.memoryUsage().arrayBuffers - before);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      ours.push({ ms: times[REPEATS >> 1], cpuMs: cpu[REPEATS >> 1], waves: result.iterations.length, added: result.addedTotal, extraBytes, labels: result.labels });
    }

    const py = spawnSync('/usr/bin/python3', ['-c', PEER, dir, JSON.stringify([H, W, C]), JSON.stringify(CASES.map((c) => ({ ...c, repeats: REPEATS })))], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (py.status !== 0) throw new Error(`python peer failed: ${py.stderr}`);
    const peer = JSON.parse(py.stdout) as { cases: { ms: number; cpuMs: number; waves: number; added: number; peakBytes: number }[]; maxRssKiB: number };
    const { readFileSync } = await import('node:fs');

    console.log(`Region growing, ${H}×${W} section, ${C} classes, seeds = 8 full traces (${seeds.filter((v) => v !== 255).length} px), median of ${REPEATS} runs`);
    console.log('ours: queue-based flood (TypeScript, one thread); peer: numpy repeated whole-image dilation (/usr/bin/python3), same inputs, same run\n');
    const header = ['case', 'waves', 'grown px', 'ours ms', 'numpy ms', 'numpy/ours', 'ours CPU ms', 'numpy CPU ms', 'ours alloc MiB', 'numpy peak MiB', 'same labels'];
    const rows: string[][] = [];
    let mismatch = false;
    CASES.forEach((c, i) => {
      const o = ours[i];
      const p = peer.cases[i];
      const peerLabels = new Uint8Array(readFileSync(join(dir, `peer_${c.name}.u8`)));
      const same = peerLabels.length === o.labels.length && peerLabels.every((v, k) => v === o.labels[k]) && p.waves === o.waves;
      if (!same) mismatch = true;
      rows.push([c.name, String(o.waves), String(o.added), o.ms.toFixed(1), p.ms.toFixed(1), (p.ms / o.ms).toFixed(1) + '×', o.cpuMs.toFixed(1), p.cpuMs.toFixed(1), (o.extraBytes / 2 ** 20).toFixed(1), (p.peakBytes / 2 ** 20).toFixed(1), same ? 'yes' : 'NO']);
    });
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    const fmt = (r: string[]) => r.map((v, j) => (j === 0 ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join('  ');
    console.log(fmt(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(fmt(r));
    const inputMiB = (probsA.byteLength + probsB.byteLength + seeds.byteLength) / 2 ** 20;
    console.log(`\nms = median wall time; CPU ms = median process CPU time (steadier on a shared machine). Load average at the end: ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores.`);
    console.log(`inputs: ${inputMiB.toFixed(1)} MiB (two probability fields + seeds); peak RSS: node ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, python ${(peer.maxRssKiB / 1024).toFixed(0)} MiB`);
    if (mismatch) {
      console.log('ERROR: the numpy reference grew different labels');
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
