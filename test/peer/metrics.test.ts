// Our metrics against straightforward numpy implementations (the facies benchmark's confusion-matrix
// formulas and the TGS competition definition), on random cases with ignored pixels and absent classes.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ConfusionMatrix, tgsScore } from '../../src/ml/metrics';
import { Rng } from '../../src/ml/random';
import { computeNormalisation, normalise } from '../../src/ml/data';

const PEER = String.raw`
import json, sys
import numpy as np
cases = json.load(sys.stdin)
out = []
for c in cases:
    if c['kind'] == 'cm':
        k = c['classes']
        t = np.array(c['truth'], dtype=np.int64); p = np.array(c['pred'], dtype=np.int64)
        m = t != 255
        hist = np.bincount(k * t[m] + p[m], minlength=k * k).reshape(k, k).astype(np.float64)
        with np.errstate(divide='ignore', invalid='ignore'):
            iu = np.diag(hist) / (hist.sum(axis=1) + hist.sum(axis=0) - np.diag(hist))
            acc_cls = np.diag(hist) / hist.sum(axis=1)
        freq = hist.sum(axis=1) / hist.sum()
        out.append({
            'iou': [None if np.isnan(v) else float(v) for v in iu],
            'miou': float(np.nanmean(iu)),
            'pa': float(np.diag(hist).sum() / hist.sum()),
            'mca': float(np.nanmean(acc_cls)),
            'fwiu': float((freq[freq > 0] * iu[freq > 0]).sum()),
            'present': [int(i) for i in np.where(~np.isnan(iu))[0]],
            'matrix': hist.astype(np.int64).tolist(),
        })
    else:
        n, h, w = c['count'], c['h'], c['w']
        T = np.array(c['truth'], dtype=np.uint8).reshape(n, h, w) > 0
        P = np.array(c['pred'], dtype=np.uint8).reshape(n, h, w) > 0
        scores = []
        for a, b in zip(T, P):
            union = np.logical_or(a, b).sum()
            if union == 0:
                scores.append(1.0); continue
            iou = np.logical_and(a, b).sum() / union
            scores.append(np.mean([iou > th for th in np.arange(0.5, 1.0, 0.05)]))
        out.append({'tgs': float(np.mean(scores))})
json.dump(out, sys.stdout)
`;

function runPeer(cases: unknown[]): any[] {
  const r = spawnSync('/usr/bin/python3', ['-c', PEER], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ours ${a}, numpy ${b}`);

describe('metrics against numpy', () => {
  it('ConfusionMatrix scores match on 60 random cases (ignored pixels, classes absent from truth and/or prediction)', () => {
    const rng = new Rng(2024);
    const cases: { kind: 'cm'; classes: number; truth: number[]; pred: number[] }[] = [];
    for (let c = 0; c < 60; c++) {
      const classes = 2 + rng.int(11);
      const n = 1 + rng.int(4000);
      // Each side draws from its own random subset so some classes are absent from one or both.
      const truthSet = Array.from({ length: classes }, (_, i) => i).filter(() => rng.bool(0.7));
      const predSet = Array.from({ length: classes }, (_, i) => i).filter(() => rng.bool(0.7));
      if (truthSet.length === 0) truthSet.push(rng.int(classes));
      if (predSet.length === 0) predSet.push(rng.int(classes));
      const ignoreRate = rng.pick([0, 0.2, 0.9]);
      const truth: number[] = [], pred: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = rng.pick(truthSet);
        truth.push(rng.bool(ignoreRate) ? 255 : t);
        // correlated predictions so IoUs are spread over (0,1), not all near chance
        pred.push(rng.bool(0.6) && predSet.includes(t) ? t : rng.pick(predSet));
      }
      if (!truth.some((v) => v !== 255)) truth[0] = truthSet[0];
      cases.push({ kind: 'cm', classes, truth, pred });
    }
    const peer = runPeer(cases);
    cases.forEach((c, i) => {
      const cm = new ConfusionMatrix(c.classes);
      // split the update in two to exercise the running accumulation
      const half = c.truth.length >> 1;
      cm.update(c.truth.slice(0, half), c.pred.slice(0, half));
      cm.update(Uint8Array.from(c.truth.slice(half)), Uint8Array.from(c.pred.slice(half)));
      const s = cm.scores();
      const p = peer[i];
      assert.deepEqual(s.matrix, p.matrix, `case ${i} matrix`);
      assert.deepEqual(s.classesPresent, p.present, `case ${i} classes present`);
      s.perClassIoU.forEach((v, k) => (v === null ? assert.equal(p.iou[k], null, `case ${i} IoU ${k}`) : close(v, p.iou[k], `case ${i} IoU ${k}`)));
      close(s.meanIoU, p.miou, `case ${i} mIoU`);
      close(s.pixelAccuracy, p.pa, `case ${i} PA`);
      close(s.meanClassAccuracy, p.mca, `case ${i} MCA`);
      close(s.frequencyWeightedIoU, p.fwiu, `case ${i} FWIU`);
    });
  });

  it('TGS score matches on 20 random stacks (empty masks, near-threshold overlaps)', () => {
    const rng = new Rng(77);
    const cases: { kind: 'tgs'; count: number; h: number; w: number; truth: number[]; pred: number[] }[] = [];
    for (let c = 0; c < 20; c++) {
      const count = 1 + rng.int(30), h = 1 + rng.int(12), w = 1 + rng.int(12);
      const truth: number[] = [], pred: number[] = [];
      for (let m = 0; m < count; m++) {
        const cover = rng.pick([0, 0, 0.1, 0.5, 0.9, 1]);
        const agree = rng.pick([1, 0.95, 0.8, 0.5]);
        const predEmpty = rng.bool(0.15);
        for (let i = 0; i < h * w; i++) {
          const t = rng.bool(cover) ? 1 : 0;
          truth.push(t);
          pred.push(predEmpty ? 0 : rng.bool(agree) ? t : 1 - t);
        }
      }
      cases.push({ kind: 'tgs', count, h, w, truth, pred });
    }
    const peer = runPeer(cases);
    cases.forEach((c, i) => {
      const ours = tgsScore({ data: Uint8Array.from(c.truth), count: c.count, h: c.h, w: c.w }, { data: Uint8Array.from(c.pred), count: c.count, h: c.h, w: c.w });
      close(ours, peer[i].tgs, `case ${i} TGS`);
    });
  });
});

describe('input normalisation against numpy', () => {
  it('centre and percentiles equal numpy.percentile (nearest rank, ties up) on 24 random arrays, and normalised values match', () => {
    const rng = new Rng(99);
    const cases = Array.from({ length: 24 }, () => {
      const n = 1 + rng.int(3000);
      const heavy = rng.bool(0.5);
      const values = Array.from({ length: n }, () => Math.fround(heavy ? rng.normal() / Math.max(1e-3, rng.next()) : rng.uniform(-3e4, 3e4)));
      const lo = rng.pick([0, 0.5, 1, 2, 5]);
      return { values, lo, hi: 100 - rng.pick([0, 0.5, 1, 2, 5]) };
    });
    // Plus arrays over 1M values, which are sampled with a stride: generated on both sides from the same integers.
    const big = [{ n: 2_500_001, lo: 1, hi: 99 }, { n: 3_000_000, lo: 2, hi: 95 }];
    const script = String.raw`
import json, sys
import numpy as np
def at(s, p):
    pos = p / 100 * (len(s) - 1)
    # numpy 'nearest' rounds a tie to even; the trainer rounds it up, so a tie takes the higher neighbour
    if pos - np.floor(pos) == 0.5:
        return float(np.percentile(s, p, method='higher'))
    return float(np.percentile(s, p, method='nearest'))
def fit(v):
    stride = max(1, len(v) // 1000000)
    return np.sort(v[::stride])
data = json.load(sys.stdin)
out = []
for c in data['cases']:
    v = np.array(c['values'], dtype=np.float32).astype(np.float64)
    s = fit(v)
    lo, hi, centre = at(s, c['lo']), at(s, c['hi']), at(s, 50)
    scale = (hi - lo) / 2
    if not scale > 0: scale = max(1e-12, abs(centre))
    x = np.clip((v - centre) * (1 / scale), -3, 3).astype(np.float32)
    out.append({'center': centre, 'scale': scale, 'x': x.tolist()})
for c in data['big']:
    i = np.arange(c['n'], dtype=np.int64)
    v = (((i * 7919) % 100003) - 50000 + (i % 3) * 0.25).astype(np.float32).astype(np.float64)
    s = fit(v)
    lo, hi, centre = at(s, c['lo']), at(s, c['hi']), at(s, 50)
    out.append({'center': centre, 'scale': (hi - lo) / 2})
json.dump(out, sys.stdout)
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ cases, big }), encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`python peer failed: ${r.stderr}`);
    const peer = JSON.parse(r.stdout) as { center: number; scale: number; x?: number[] }[];
    cases.forEach((c, i) => {
      const n = computeNormalisation([Float32Array.from(c.values)], [c.lo, c.hi]);
      assert.equal(n.center, peer[i].center, `case ${i}: centre`);
      assert.equal(n.scale, peer[i].scale, `case ${i}: scale`);
      const ours = normalise(Float32Array.from(c.values), n);
      ours.forEach((v, k) => assert.equal(v, peer[i].x![k], `case ${i} value ${k}`));
    });
    big.forEach((c, j) => {
      const v = Float32Array.from({ length: c.n }, (_, i) => ((i * 7919) % 100003) - 50000 + (i % 3) * 0.25);
      // split into two inputs: the stride runs across them
      const n = computeNormalisation([v.subarray(0, 777_777), v.subarray(777_777)], [c.lo, c.hi]);
      const p = peer[cases.length + j];
      assert.equal(n.center, p.center, `big ${j}: centre`);
      assert.equal(n.scale, p.scale, `big ${j}: scale`);
    });
  });
});
