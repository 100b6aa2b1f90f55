// `seisgrow evaluate --json` against numpy on NPY files written by numpy: per-class IoU, mIoU, pixel accuracy, mean
// class accuracy, FWIU (facies-benchmark formulas) and the TGS score, with ignored truth and absent classes.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

const PEER = String.raw`
import json, sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(int(sys.argv[2]))
out = {}
# A multi-class 2D case with ignored truth and a class absent from both.
t = rng.integers(0, 5, size=(37, 53)).astype(np.uint8)
t[t == 3] = 1
p = np.where(rng.random(t.shape) < 0.7, t, rng.integers(0, 5, size=t.shape)).astype(np.uint8)
p[p == 3] = 4
t[rng.random(t.shape) < 0.1] = 255
np.save(d + '/t.npy', t); np.save(d + '/p.npy', p)
def scores(t, p, k):
    m = t != 255
    hist = np.bincount(k * t[m].astype(np.int64) + p[m], minlength=k * k).reshape(k, k).astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        iu = np.diag(hist) / (hist.sum(axis=1) + hist.sum(axis=0) - np.diag(hist))
        acc = np.diag(hist) / hist.sum(axis=1)
    freq = hist.sum(axis=1) / hist.sum()
    return {'iou': [None if np.isnan(v) else float(v) for v in iu], 'miou': float(np.nanmean(iu)), 'pa': float(np.diag(hist).sum() / hist.sum()),
            'mca': float(np.nanmean(acc)), 'fwiu': float((freq[freq > 0] * iu[freq > 0]).sum())}
out['multi'] = scores(t, p, 5)
# A binary 3D stack (TGS-like): some empty truths, some empty predictions.
T = (rng.random((12, 9, 11)) < 0.3).astype(np.uint8)
T[:3] = 0
P = np.where(rng.random(T.shape) < 0.85, T, 1 - T).astype(np.uint8)
P[1] = 0; P[4] = 0
np.save(d + '/tb.npy', T); np.save(d + '/pb.npy', P)
out['binary'] = scores(T, P, 2)
ths = np.arange(0.5, 1.0, 0.05)
per = []
for a, b in zip(T > 0, P > 0):
    u = np.logical_or(a, b).sum()
    per.append(1.0 if u == 0 else float(np.mean(np.logical_and(a, b).sum() / u > ths)))
out['tgs'] = float(np.mean(per))
print(json.dumps(out))
`;

function close(a: number | null, b: number | null, what: string): void {
  if (a === null || b === null) { assert.equal(a, b, what); return; }
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
}

describe('peer: seisgrow evaluate vs numpy', function () {
  this.timeout(120_000);
  let dir: string;
  let peer: { multi: Record<string, unknown>; binary: Record<string, unknown>; tgs: number };
  before(() => {
    execFileSync(process.execPath, ['esbuild.mjs', 'cli'], { cwd: root, stdio: 'pipe' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-evaluate-peer-'));
    peer = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PEER, dir, '11'], { encoding: 'utf8' }));
  });

  function evaluate(pred: string, truth: string, extra: string[] = []): Record<string, unknown> {
    const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'evaluate', '--pred', path.join(dir, pred), '--truth', path.join(dir, truth), '--json', ...extra], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  function compare(ours: Record<string, unknown>, theirs: Record<string, unknown>): void {
    const iou = ours.perClassIoU as (number | null)[];
    (theirs.iou as (number | null)[]).forEach((v, i) => close(iou[i], v, `IoU of class ${i}`));
    close(ours.meanIoU as number, theirs.miou as number, 'mIoU');
    close(ours.pixelAccuracy as number, theirs.pa as number, 'pixel accuracy');
    close(ours.meanClassAccuracy as number, theirs.mca as number, 'mean class accuracy');
    close(ours.frequencyWeightedIoU as number, theirs.fwiu as number, 'FWIU');
  }

  it('matches numpy on a multi-class section with ignored pixels and an absent class', () => {
    const ours = evaluate('p.npy', 't.npy', ['--classes', '5']);
    compare(ours, peer.multi);
    assert.equal((ours.perClassIoU as unknown[])[3], null);
  });

  it('matches numpy on a binary 3D stack, including the TGS score', () => {
    const ours = evaluate('pb.npy', 'tb.npy');
    compare(ours, peer.binary);
    close(ours.tgsScore as number, peer.tgs, 'TGS score');
  });
});
