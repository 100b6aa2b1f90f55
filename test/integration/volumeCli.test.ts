// `seisgrow train` and `seisgrow predict` on a VOLUME (an NPY cube with --volume, and the same cube as SEG-Y) with
// the editor's label sidecar: sections chosen from the volume, outputs in the sidecar's layout, the whole volume
// predicted as the extension's Predict Volume does, and the bad inputs refused before any training.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSidecarLabels } from '../../src/editor/labelSidecar';
import { LabelStore } from '../../src/editor/labelStore';
import type { VolumeShape } from '../../src/io/voxelOrder';
import { readNpy, writeNpy } from '../../src/io/npy';
import { writeSegy } from '../../src/io/segy';
import { buildCli, tempDir } from '../support/trainerFixtures';

const SHAPE: VolumeShape = [6, 28, 36];
const CLASSES = 3;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [buildCli(), ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A layered cube, voxel order (inline, crossline, sample): units dip along both horizontal axes. */
function layeredCube(): { seismic: Float32Array; truth: Uint8Array } {
  const [ni, nx, ns] = SHAPE;
  const seismic = new Float32Array(ni * nx * ns);
  const truth = new Uint8Array(ni * nx * ns);
  for (let i = 0; i < ni; i++) for (let x = 0; x < nx; x++) for (let s = 0; s < ns; s++) {
    const depth = s + 3 * Math.sin((x + 2 * i) / 11);
    const c = Math.min(CLASSES - 1, Math.max(0, Math.floor((depth / ns) * CLASSES)));
    const v = (i * nx + x) * ns + s;
    truth[v] = c;
    seismic[v] = 1000 * (1 + c) * Math.sin(depth * (0.4 + 0.3 * c));
  }
  return { seismic, truth };
}

describe('CLI train / predict on a volume with its label sidecar (built dist/cli.js, tiny run)', function () {
  this.timeout(900_000);
  const dir = tempDir('seisgrow-volume-cli-');
  const cube = layeredCube();
  const files = {
    cube: path.join(dir, 'cube.npy'), labels: path.join(dir, 'cube.labels.npy'), segy: path.join(dir, 'cube.sgy'), segyLabels: path.join(dir, 'cube.sgy.labels.npy'),
    otherLabels: path.join(dir, 'other.labels.npy'), emptyLabels: path.join(dir, 'empty.labels.npy'), config: path.join(dir, 'tiny.json'),
  };
  const run = path.join(dir, 'run');
  const store = new LabelStore(SHAPE);
  const [, nx, ns] = SHAPE;
  // Four labelled traces on inline 1 and four on crossline 20: the sparse labels an interpreter paints.
  const seeds: number[] = [];
  for (const x of [3, 10, 17, 24]) for (let s = 0; s < ns; s++) seeds.push((1 * nx + x) * ns + s);
  for (const i of [0, 2, 3, 5]) for (let s = 0; s < ns; s++) seeds.push((i * nx + 20) * ns + s);

  before(async () => {
    buildCli();
    await writeNpy(files.cube, cube.seismic, [...SHAPE], '<f4');
    const voxels = Uint32Array.from(seeds);
    store.write(voxels, Uint8Array.from(seeds, (v) => cube.truth[v]));
    writeSidecarLabels(store, files.labels, 'cube');
    fs.copyFileSync(files.labels, files.segyLabels);
    await writeSegy(files.segy, { data: cube.seismic, inlines: [101, 102, 103, 104, 105, 106], crosslines: Array.from({ length: nx }, (_, k) => 300 + 2 * k), samples: ns });
    writeSidecarLabels(new LabelStore([6, 28, 35]), files.otherLabels, 'cube');
    writeSidecarLabels(new LabelStore(SHAPE), files.emptyLabels, 'cube');
    fs.writeFileSync(files.config, JSON.stringify({ backend: 'wasm', network: { depth: 2, baseFilters: 4 }, batchSize: 2, patchSize: 32, inferenceOverlap: 8 }));
  });

  it('refuses labels for another volume, an empty label volume and mixed-up options, before any training', () => {
    let r = cli(['train', '--volume', '--seismic', files.cube, '--labels', files.otherLabels, '--out', path.join(dir, 'bad1')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /other\.labels\.npy: labels sidecar has shape \(6, 28, 35\) but the volume needs \(6, 28, 36\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    r = cli(['train', '--volume', '--seismic', files.cube, '--labels', files.emptyLabels, '--out', path.join(dir, 'bad2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /empty\.labels\.npy: the label volume holds no label/);
    r = cli(['train', '--volume', '--seismic', files.cube, files.cube, '--labels', files.labels, files.labels, '--out', path.join(dir, 'bad3')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a volume trains alone/);
    r = cli(['train', '--seismic', files.cube, '--labels', files.labels, '--unlabelled-sections', '3', '--out', path.join(dir, 'bad4')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--unlabelled-sections applies to a volume/);
    r = cli(['train', '--volume', '--seismic', files.cube, '--labels', files.labels, '--unlabelled-sections', '-1', '--out', path.join(dir, 'bad5')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--unlabelled-sections must be 0\.\.1000/);
    for (const d of ['bad1', 'bad2', 'bad3', 'bad4', 'bad5']) assert.ok(!fs.existsSync(path.join(dir, d, 'checkpoint')), d);
  });

  it('trains on the labelled sections plus spread unlabelled ones and writes the grown labels and the prediction of the whole volume', async () => {
    const before = fs.readFileSync(files.labels);
    // Growth thresholds low enough for a network this small and short to grow something (the plumbing is under test).
    const config = path.join(dir, 'grow.json');
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(files.config, 'utf8')) as object, growth: { threshold: 0.5, minThreshold: 0.34 } }));
    const r = cli(['train', '--volume', '--seismic', files.cube, '--labels', files.labels, '--out', run, '--unlabelled-sections', '2',
      '--epochs', '2', '--steps', '4', '--seed', '7', '--config', config, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message?: string; done?: number; total?: number });
    assert.match(lines.find((l) => l.type === 'inputs')!.message!, /training on 2 labelled and 2 unlabelled sections of cube\.npy \(6 × 28 × 36\)/);
    assert.deepEqual(lines.filter((l) => l.type === 'volumePrediction').map((l) => [l.done, l.total]).at(-1), [6, 6]);
    assert.deepEqual(fs.readFileSync(files.labels), before, 'the label sidecar is never written by training');

    const grown = await readNpy(path.join(run, 'grown_labels.npy'));
    assert.deepEqual(grown.shape, [...SHAPE]);
    for (const v of seeds) assert.equal(grown.data[v], cube.truth[v], `seed voxel ${v} kept`);
    // Trained: inlines 1 and 3, crosslines 13 and 20 (the labelled ones, and one more of each spread over the volume).
    // Inline 4 was not, so it holds labels only where those crosslines cross it.
    for (let x = 0; x < nx; x++) for (let s = 0; s < ns; s++) {
      const v = grown.data[(4 * nx + x) * ns + s];
      if (x !== 13 && x !== 20) assert.equal(v, 255, `inline 4, crossline ${x}: nothing grown off the trained sections`);
    }
    assert.ok(grown.data.some((v, k) => v !== 255 && !seeds.includes(k)), 'labels were grown beyond the seeds');
    const metrics = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8')) as { outputs: Record<string, Record<string, string>> };
    const outs = metrics.outputs[files.cube];
    assert.deepEqual(Object.keys(outs).sort(), ['confidence', 'grownLabels', 'prediction', 'trainedOn']);
    const prediction = await readNpy(outs.prediction);
    const confidence = await readNpy(outs.confidence);
    assert.deepEqual(prediction.shape, [...SHAPE]);
    assert.deepEqual(confidence.shape, [...SHAPE]);
    assert.ok(prediction.data.every((c) => c < CLASSES), 'classes only');
    assert.ok(confidence.data.every((c) => c > 0 && c <= 1 + 1e-6), 'the mean probability of the chosen class');
    // The seeds meet the layers in one order down every trace, so every predicted trace keeps it (orderedUnits 'auto').
    for (let t = 0; t < prediction.data.length / ns; t++) {
      for (let k = 1; k < ns; k++) assert.ok(prediction.data[t * ns + k] >= prediction.data[t * ns + k - 1], `trace ${t} goes back up at sample ${k}`);
    }
  });

  it('predicts the whole volume again through `predict --volume`, bit for bit, the same cube as SEG-Y gives the same classes, and --views fuses inlines and crosslines', async () => {
    const out = path.join(dir, 'pred.npy');
    const conf = path.join(dir, 'conf.npy');
    let r = cli(['predict', '--run', run, '--volume', '--seismic', files.cube, '--out', out, '--confidence', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /volume 6 × 28 × 36/);
    assert.deepEqual((await readNpy(out)).data, (await readNpy(path.join(run, 'prediction.npy'))).data);
    assert.deepEqual((await readNpy(conf)).data, (await readNpy(path.join(run, 'confidence.npy'))).data);
    const fromSegy = path.join(dir, 'pred-segy.npy');
    r = cli(['predict', '--run', run, '--seismic', files.segy, '--out', fromSegy]);
    assert.equal(r.code, 0, r.stderr);
    const a = await readNpy(fromSegy);
    assert.deepEqual(a.shape, [...SHAPE], 'a SEG-Y is a volume: the output is in voxel order (inlines, crosslines, samples)');
    assert.deepEqual(a.data, (await readNpy(out)).data);
    // Fusing the inline and crossline views: every voxel still gets a class, and its confidence is a mean of probabilities.
    const fused = path.join(dir, 'fused.npy');
    const fusedConf = path.join(dir, 'fused-conf.npy');
    r = cli(['predict', '--run', run, '--volume', '--seismic', files.cube, '--out', fused, '--confidence', fusedConf, '--views', 'inline+crossline']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /volume 6 × 28 × 36, views inline\+crossline/);
    const f = await readNpy(fused);
    assert.deepEqual(f.shape, [...SHAPE]);
    assert.ok(f.data.every((c) => c < CLASSES), 'classes only');
    assert.ok((await readNpy(fusedConf)).data.every((c) => c > 0 && c <= 1 + 1e-6), 'the mean probability of the chosen class');
    // Fused crosslines are decoded as the run decodes a section: every trace keeps the order of the units.
    const ns = SHAPE[2];
    for (let t = 0; t < f.data.length / ns; t++) {
      for (let k = 1; k < ns; k++) assert.ok(f.data[t * ns + k] >= f.data[t * ns + k - 1], `fused trace ${t} goes back up at sample ${k}`);
    }
    r = cli(['predict', '--run', run, '--volume', '--seismic', files.cube, '--out', path.join(dir, 'z.npy'), '--views', 'sample']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--views must be one of inline, inline\+crossline/);
    r = cli(['predict', '--run', run, '--seismic', files.segy, '--out', path.join(dir, 'x.npy'), '--probabilities', path.join(dir, 'p.npy')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--probabilities is for sections; for a volume .* write --confidence/);
    r = cli(['predict', '--run', run, '--seismic', files.cube, '--out', path.join(dir, 'y.npy'), '--confidence', path.join(dir, 'c.npy')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--confidence is for a volume/);
  });

  it('takes a SEG-Y volume with its sidecar as a volume without --volume', () => {
    const segyRun = path.join(dir, 'segy-run');
    const r = cli(['train', '--seismic', files.segy, '--labels', files.segyLabels, '--out', segyRun, '--unlabelled-sections', '0', '--stages', '1',
      '--epochs', '1', '--steps', '1', '--config', files.config, '--no-volume-prediction', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /training on 2 labelled and 0 unlabelled sections of cube\.sgy/);
    assert.ok(fs.existsSync(path.join(segyRun, 'grown_labels.npy')));
    assert.ok(!fs.existsSync(path.join(segyRun, 'prediction.npy')), '--no-volume-prediction');
  });
});
