import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatEpochLine } from '../../src/cli/train';
import { readNpy, writeNpy } from '../../src/io/npy';
import { buildCli, layeredSection, tempDir, traces } from '../support/trainerFixtures';

const H = 36;
const W = 44;
const CLASSES = 3;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [buildCli(), ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI train / predict / evaluate (built dist/cli.js, tiny run)', function () {
  this.timeout(900_000);
  const dir = tempDir('seisgrow-cli-');
  const a = layeredSection(H, W, CLASSES, 0);
  const b = layeredSection(H, W, CLASSES, 17);
  const files = {
    seisA: path.join(dir, 'a.npy'), labA: path.join(dir, 'a_labels.npy'), seisB: path.join(dir, 'b.npy'), labB: path.join(dir, 'b_labels.npy'),
    truthB: path.join(dir, 'b_truth.npy'), config: path.join(dir, 'tiny.json'),
  };
  const run = path.join(dir, 'run');

  before(async () => {
    buildCli();
    await writeNpy(files.seisA, a.seismic, [H, W], '<f4');
    await writeNpy(files.labA, traces(a.truth, W, 6), [H, W], '|u1');
    // The second input is a 3D stack of two sections.
    await writeNpy(files.seisB, Float32Array.from([...b.seismic, ...a.seismic]), [2, H, W], '<f4');
    await writeNpy(files.labB, Uint8Array.from([...traces(b.truth, W, 6), ...new Uint8Array(H * W).fill(255)]), [2, H, W], '|u1');
    await writeNpy(files.truthB, Uint8Array.from([...b.truth, ...a.truth]), [2, H, W], '|u1');
    fs.writeFileSync(files.config, JSON.stringify({ backend: 'wasm', network: { depth: 2, baseFilters: 4 }, batchSize: 2, patchSize: 32, inferenceOverlap: 8 }));
  });

  it('rejects a shape mismatch and a label ≥ classes with one clear line, exit 1, nothing trained', async () => {
    let r = cli(['train', '--seismic', files.seisA, '--labels', files.labB, '--out', path.join(dir, 'bad1')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^seisgrow train: error: .*a_labels\.npy|b_labels\.npy: labels have shape \(2, 36, 44\) but a\.npy needs \(36, 44\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    r = cli(['train', '--seismic', files.seisA, '--labels', files.labA, '--classes', '2', '--out', path.join(dir, 'bad2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a_labels\.npy: label 2 is not a class 0\.\.1/);
    r = cli(['train', '--seismic', files.seisA, '--labels', files.labA, '--out', path.join(dir, 'bad3'), '--stages', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stage 2 starts from a stage 1 checkpoint/);
    r = cli(['train', '--seismic', files.seisA, files.seisB, '--labels', files.labA, '--out', path.join(dir, 'bad4')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /2 seismic input\(s\) but 1 label file\(s\)/);
    for (const d of ['bad1', 'bad2', 'bad3', 'bad4']) assert.ok(!fs.existsSync(path.join(dir, d, 'checkpoint')));
  });

  it('trains stages 1,2,3 on two inputs and writes metrics.json, the checkpoint, grown labels, probabilities and predictions', async () => {
    const r = cli(['train', '--seismic', files.seisA, files.seisB, '--labels', files.labA, files.labB, '--out', run, '--stages', '1,2,3',
      '--epochs', '1', '--steps', '2', '--seed', '7', '--recon', '--config', files.config, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; record?: { stage: number } });
    assert.equal(lines[0].type, 'backend');
    assert.deepEqual(lines.filter((l) => l.type === 'epoch').map((l) => l.record!.stage), [1, 2, 3]);
    assert.ok(lines.some((l) => l.type === 'growth'));
    assert.equal(lines[lines.length - 1].type, 'outputs');
    const metrics = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
    assert.equal(metrics.status, 'completed');
    assert.equal(metrics.seed, 7);
    assert.equal(metrics.backend.name, 'wasm');
    assert.equal(metrics.config.network.reconstruction, true);
    assert.equal(metrics.epochs.length, 3);
    for (const e of metrics.epochs) {
      assert.ok(typeof e.stage === 'number' && e.losses.a.sup > 0 && e.losses.a.recon > 0 && typeof e.seconds === 'number');
      assert.equal(e.validation.perClassIoU.length, CLASSES);
    }
    assert.ok(fs.existsSync(path.join(run, 'checkpoint', 'manifest.json')));
    const shapes: Record<string, number[]> = {
      'prediction_0.npy': [H, W], 'grown_labels_0.npy': [H, W], 'probabilities_0.npy': [H, W, CLASSES],
      'prediction_1.npy': [2, H, W], 'grown_labels_1.npy': [2, H, W], 'probabilities_1.npy': [2, H, W, CLASSES],
    };
    for (const [f, shape] of Object.entries(shapes)) {
      const arr = await readNpy(path.join(run, f));
      assert.deepEqual(arr.shape, shape, f);
    }
    const grown = (await readNpy(path.join(run, 'grown_labels_0.npy'))).data;
    const seeds = (await readNpy(files.labA)).data;
    for (let i = 0; i < seeds.length; i++) if (seeds[i] !== 255) assert.equal(grown[i], seeds[i]);
    const pred = (await readNpy(path.join(run, 'prediction_1.npy'))).data;
    assert.ok(Array.from(pred).every((v) => v < CLASSES));
  });

  it('predicts new data with the run (same classes as the training outputs) and evaluates it', async () => {
    const out = path.join(dir, 'pred.npy');
    const probs = path.join(dir, 'probs.npy');
    let r = cli(['predict', '--run', run, '--seismic', files.seisB, '--out', out, '--probabilities', probs]);
    assert.equal(r.code, 0, r.stderr);
    const pred = await readNpy(out);
    assert.deepEqual(pred.shape, [2, H, W]);
    assert.equal(pred.dtype, 'uint8');
    assert.deepEqual(pred.data, (await readNpy(path.join(run, 'prediction_1.npy'))).data);
    assert.deepEqual((await readNpy(probs)).shape, [2, H, W, CLASSES]);
    r = cli(['evaluate', '--pred', out, '--truth', files.truthB, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.pixels, 2 * H * W);
    assert.equal(s.perClassIoU.length, CLASSES);
    assert.ok(s.meanIoU >= 0 && s.meanIoU <= 1);
    r = cli(['evaluate', '--pred', out, '--truth', files.truthB]);
    assert.match(r.stdout, /mean IoU/);
    r = cli(['predict', '--run', run, '--seismic', files.seisB, '--out', files.seisB]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to overwrite the input/);
    r = cli(['predict', '--run', dir, '--seismic', files.seisB, '--out', path.join(dir, 'x.npy')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no checkpoint here/);
  });
});

describe('CLI train: the epoch line', () => {
  it('names each loss term a run has, the consistency term only when it is on', () => {
    const record = (consistency?: number) => ({
      stage: 2 as const, epoch: 1, lambda: 0.5, validation: null, validationPixels: 0, labelledPixels: 10, seconds: 1.5, etaSeconds: 3,
      losses: { a: { sup: 0.5, pseudo: 0.25, recon: 0, total: 0.75, ...(consistency === undefined ? {} : { consistency }) }, b: { sup: 0.4, pseudo: 0.2, recon: 0, total: 0.6 } },
    });
    const off = formatEpochLine(record(), 2);
    assert.match(off, /loss A 0\.750 \(sup 0\.500 pseudo 0\.250\)/);
    assert.doesNotMatch(off, /consistency/);
    assert.match(formatEpochLine(record(0.125), 2), /loss A 0\.750 \(sup 0\.500 pseudo 0\.250 consistency 0\.125\)/);
  });
});
