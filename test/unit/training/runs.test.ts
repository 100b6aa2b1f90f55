// The run store (create / list / read / reopen / delete, atomic run.json, per-section arrays), command enablement,
// and grown labels mapped back into the volume.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import { LabelStore } from '../../../src/editor/labelStore';
import { sectionPixelToVoxel, sectionShape } from '../../../src/io/voxelOrder';
import { contextKeys, missingPredecessor, stagesWithPredecessors } from '../../../src/training/enablement';
import { initialRun, reduceRun } from '../../../src/training/panelState';
import { makeRunId, RunStore, slug } from '../../../src/training/runStore';
import { addedOnly, grownRegion, sparseSectionLayer } from '../../../src/training/sectionResults';
import type { SectionRef } from '../../../src/training/trainingData';

describe('run store', () => {
  let dir = '';
  let store: RunStore;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-runs-')); store = new RunStore(join(dir, 'runs')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fields = (volumePath: string) => ({
    volumePath, classes: 3, sections: [{ axis: 'inline' as const, position: 2, line: 113, labelled: true }],
    stagesCompleted: [], status: 'running' as const, panel: initialRun('', 't', ['a', 'b', 'c'], ['#000000', '#111111', '#222222']),
    outputs: { grown: false, prediction: false },
  });

  it('names runs by UTC time and volume, sortable, safe on disk', () => {
    assert.equal(makeRunId('/data/My Survey (2).sgy', new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '20260102-030405-my-survey-2-.sgy');
    assert.equal(slug('///'), 'volume');
  });

  it('creates, lists newest first, reads back and reopens the stored panel state', async () => {
    const a = await store.create(fields('/data/a.sgy'), new Date(Date.UTC(2026, 0, 1)));
    const b = await store.create(fields('/data/b.sgy'), new Date(Date.UTC(2026, 0, 2)));
    const c = await store.create(fields('/data/b.sgy'), new Date(Date.UTC(2026, 0, 2)));
    assert.notEqual(b.id, c.id, 'two runs in the same second get distinct ids');
    assert.deepEqual((await store.list()).map((m) => m.id), [c.id, b.id, a.id].sort().reverse());
    const run = reduceRun(a.panel, { type: 'stageStart', stage: 1, epochs: 2, stepsPerEpoch: 3 });
    await store.write({ ...a, panel: run, stagesCompleted: [1], status: 'done' });
    const back = await store.read(a.id);
    assert.deepEqual([back.status, back.stagesCompleted, back.panel.stageEpochs, back.panel.runId], ['done', [1], 2, a.id]);
    assert.equal((await store.latestFor('/data/a.sgy', (m) => m.stagesCompleted.includes(1)))?.id, a.id);
    assert.equal(await store.latestFor('/data/b.sgy', (m) => m.stagesCompleted.includes(1)), undefined);
    assert.deepEqual(readdirSync(store.dir(a.id)).filter((f) => f.includes('tmp')), [], 'no temporary files left behind');
  });

  it('reads the loss series of a run stored before series had ids (keyed "A supervised") as ids', async () => {
    const a = await store.create(fields('/data/a.sgy'));
    const row = { index: 0, stage: 2, epoch: 1, iou: [], miou: null, seconds: 1 };
    const legacy = { ...a, panel: { ...a.panel, epochs: [{ ...row, losses: { 'A supervised': 1, 'B pseudo': 0.5 } }] } };
    writeFileSync(join(store.dir(a.id), 'run.json'), JSON.stringify(legacy));
    assert.deepEqual((await store.read(a.id)).panel.epochs[0]!.losses, { 'a.supervised': 1, 'b.pseudo': 0.5 });
  });

  it('keeps per-section outputs as NPY and reads them back', async () => {
    const a = await store.create(fields('/data/a.sgy'));
    const grown = Uint8Array.from([255, 1, 2, 255, 0, 255]);
    const confidence = Float32Array.from([0.5, 0.9, 1, 0.7, 0.6, 0.55]);
    await store.writeSection(a.id, 0, 2, 3, { grown, confidence });
    const back = await store.readSection(a.id, 0);
    assert.deepEqual(back.grown, grown);
    assert.deepEqual(back.confidence, confidence);
    assert.equal(back.prediction, undefined);
    assert.deepEqual(await store.readSection(a.id, 5), {});
  });

  it('skips a damaged run when listing, reports it, and refuses it on read', async () => {
    const a = await store.create(fields('/data/a.sgy'));
    const broken = '20260101-000000-broken.sgy';
    mkdirSync(join(store.root, broken));
    writeFileSync(join(store.root, broken, 'run.json'), '{ not json');
    const problems: string[] = [];
    assert.deepEqual((await store.list((e) => problems.push(e.message))).map((m) => m.id), [a.id]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /run\.json.*not valid JSON/);
    await assert.rejects(store.read(broken), SeisGrowError);
  });

  it('deletes a run folder, and only run folders', async () => {
    const a = await store.create(fields('/data/a.sgy'));
    await store.writeSection(a.id, 0, 1, 1, { grown: Uint8Array.of(1) });
    await store.delete(a.id);
    assert.equal(existsSync(store.dir(a.id)), false);
    assert.deepEqual(await store.list(), []);
    await assert.rejects(store.delete(a.id), /not a run directory/);
    assert.throws(() => store.dir('../../etc'), /not a run id/);
  });

  it('lists nothing when the storage folder does not exist yet', async () => {
    assert.deepEqual(await new RunStore(join(dir, 'nowhere')).list(), []);
  });
});

describe('command enablement', () => {
  const base = { editorActive: true, volumeOpen: true, training: false, stagesDone: [] as number[], grownPending: false, hasPrediction: false };

  it('sets one context key per condition', () => {
    assert.deepEqual(contextKeys(base), {
      'seisgrow.editorActive': true, 'seisgrow.volumeOpen': true, 'seisgrow.training': false,
      'seisgrow.hasStage1': false, 'seisgrow.hasStage2': false, 'seisgrow.hasStage3': false,
      'seisgrow.hasTrainedRun': false, 'seisgrow.hasGrown': false, 'seisgrow.hasPrediction': false,
    });
    const k = contextKeys({ ...base, training: true, stagesDone: [1, 2], grownPending: true, hasPrediction: true });
    assert.deepEqual([k['seisgrow.training'], k['seisgrow.hasStage1'], k['seisgrow.hasStage2'], k['seisgrow.hasStage3'], k['seisgrow.hasTrainedRun'], k['seisgrow.hasGrown']], [true, true, true, false, true, true]);
  });

  it('says which stage must run first, and plans the stages to get there', () => {
    assert.equal(missingPredecessor(1, []), null);
    assert.equal(missingPredecessor(2, []), 1);
    assert.equal(missingPredecessor(2, [1]), null);
    assert.equal(missingPredecessor(3, [1]), 2);
    assert.deepEqual(stagesWithPredecessors(3, []), [1, 2, 3]);
    assert.deepEqual(stagesWithPredecessors(3, [1]), [2, 3]);
    assert.deepEqual(stagesWithPredecessors(3, [1, 2]), [3]);
    assert.deepEqual(stagesWithPredecessors(1, [1, 2, 3]), [1]);
  });

  it('the package.json when clauses use only keys the extension sets (or VS Code\'s own)', () => {
    const pkg = require('../../../package.json') as { contributes: { commands: { command: string; enablement?: string }[]; menus: Record<string, { command: string; when?: string }[]> } };
    const ours = new Set(Object.keys(contextKeys(base)));
    const clauses = [
      ...pkg.contributes.commands.filter((c) => c.command.startsWith('seisgrow.') && c.enablement).map((c) => c.enablement!),
      ...Object.values(pkg.contributes.menus).flat().filter((m) => m.command.startsWith('seisgrow.') && m.when).map((m) => m.when!),
    ];
    for (const clause of clauses) {
      for (const key of clause.match(/seisgrow\.[A-Za-z0-9]+/g) ?? []) {
        if (key === 'seisgrow.runs' || key === 'seisgrow.trainingPanel' || key === 'seisgrow.seismicEditor') continue; // view ids
        assert.ok(ours.has(key), `"${clause}" uses ${key}, which the extension never sets`);
      }
    }
  });
});

describe('grown labels mapped back into the volume', () => {
  const shape = [4, 3, 5] as const; // inlines × crosslines × samples
  const refs: SectionRef[] = [
    { axis: 'inline', position: 1, line: 11, labelled: true },
    { axis: 'crossline', position: 2, line: 102, labelled: true },
  ];
  const inlineSize = sectionShape(shape, 'inline');
  const crossSize = sectionShape(shape, 'crossline');

  it('keeps only what growing added over the seeds', () => {
    assert.deepEqual(addedOnly(Uint8Array.of(1, 2, 255, 3), Uint8Array.of(1, 255, 255, 0)), Uint8Array.of(255, 2, 255, 255));
    assert.deepEqual(addedOnly(Uint8Array.of(1, 2), null), Uint8Array.of(1, 2));
  });

  it('lists each voxel once, never over an existing label, the first section winning where two cross', () => {
    const grownInline = new Uint8Array(inlineSize.rows * inlineSize.cols).fill(1); // everything class 1
    const grownCross = new Uint8Array(crossSize.rows * crossSize.cols).fill(2); // everything class 2
    const store = new LabelStore(shape);
    const seeded = sectionPixelToVoxel(shape, 'inline', 1, 0);
    store.write(Uint32Array.of(seeded), 0);
    const region = grownRegion(shape, refs, [grownInline, grownCross], (v) => store.get(v));
    const expected = inlineSize.rows * inlineSize.cols + crossSize.rows * crossSize.cols - inlineSize.rows /* shared trace */ - 1 /* seed */;
    assert.equal(region.voxels.length, expected);
    assert.equal(new Set(region.voxels).size, region.voxels.length, 'no voxel twice');
    assert.ok(!Array.from(region.voxels).includes(seeded), 'the seed is kept');
    // The trace shared by inline 1 and crossline 2 takes the inline's class (listed first).
    const shared = sectionPixelToVoxel(shape, 'inline', 1, 3 * inlineSize.cols + 2);
    assert.equal(region.values[Array.from(region.voxels).indexOf(shared)], 1);
    assert.equal(region.sections, 2);
  });

  it('shows trained sections on any section that crosses them', () => {
    const a = new Uint8Array(inlineSize.rows * inlineSize.cols).map((_, p) => p % 7);
    const layer = sparseSectionLayer(shape, refs.slice(0, 1), [a], 255, (n) => new Uint8Array(n));
    assert.deepEqual(layer.section('inline', 1), a, 'the trained section itself');
    assert.ok(layer.section('inline', 2).every((v) => v === 255), 'a parallel section sees nothing');
    const cross = layer.section('crossline', 2);
    for (let s = 0; s < shape[2]; s++) assert.equal(cross[s * shape[0] + 1], a[s * inlineSize.cols + 2], `sample ${s} of the shared trace`);
    assert.equal(cross.filter((v) => v !== 255).length, shape[2] - a.filter((v, p) => v === 255 && p % inlineSize.cols === 2).length);
    const slice = layer.section('sample', 3);
    for (let x = 0; x < shape[1]; x++) assert.equal(slice[1 * shape[1] + x], a[3 * inlineSize.cols + x], `crossline ${x} of the time slice`);
  });
});
