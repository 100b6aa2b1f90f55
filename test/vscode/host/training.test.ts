// Training inside the REAL extension host (code-server): the commands and views are registered, and stopping a stage
// mid-way leaves a checkpoint that loads and predicts. Labels are set on the open document through its model.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SeisGrowApi } from '../../../src/extension';
import { sectionPixelsToVoxels } from '../../../src/io/voxelOrder';
import { readCheckpoint } from '../../../src/ml/checkpoint';
import { readNpy } from '../../../src/io/npy';
import { openVolume } from '../../../src/io/volume';
import { predictSections } from '../../../src/ml/engine';

const VIEW_TYPE = 'seisgrow.seismicEditor';

const TRAINING_COMMANDS = [
  'seisgrow.trainStage1', 'seisgrow.trainStage2', 'seisgrow.growLabels', 'seisgrow.runAllStages', 'seisgrow.stopTraining',
  'seisgrow.predictVolume', 'seisgrow.evaluate', 'seisgrow.export', 'seisgrow.showTrainingPanel',
  'seisgrow.inspectGrown', 'seisgrow.acceptGrown', 'seisgrow.discardGrown',
  'seisgrow.runs.refresh', 'seisgrow.runs.open', 'seisgrow.runs.compare', 'seisgrow.runs.delete', 'seisgrow.runs.reveal',
];

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function extension(): vscode.Extension<SeisGrowApi> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'seisgrow') as vscode.Extension<SeisGrowApi> | undefined;
  assert.ok(ext, 'the SeisGrow extension is installed');
  return ext;
}

describe('training in the extension host', function () {
  this.timeout(180_000);
  const settings = vscode.workspace.getConfiguration('seisgrow');
  const keys: [string, unknown][] = [
    ['training.epochs.stage1', 40], ['training.stepsPerEpoch', 4], ['training.batchSize', 2], ['training.patchSize', 32],
    ['training.baseFilters', 4], ['training.unlabelledSections', 1], ['training.backend', 'wasm'],
  ];

  after(async () => {
    for (const [k] of keys) await settings.update(k, undefined, vscode.ConfigurationTarget.Workspace);
    const api = await extension().activate();
    for (const seis of api.editors.documents) {
      if (!seis.model.isDirty) continue;
      await vscode.commands.executeCommand('vscode.openWith', seis.uri, VIEW_TYPE);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers every training command and exposes the controller', async () => {
    const api = await extension().activate();
    assert.ok(api.training, 'activate() returns the training controller');
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of TRAINING_COMMANDS) assert.ok(all.has(id), `${id} is registered`);
    const contributed = (extension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    for (const id of TRAINING_COMMANDS) assert.ok(contributed.includes(id), `${id} is contributed`);
  });

  it('stopping stage 1 mid-way leaves a complete checkpoint that loads and predicts', async () => {
    const api = await extension().activate();
    for (const [k, v] of keys) await settings.update(k, v, vscode.ConfigurationTarget.Workspace);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'f3.sgy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const doc = await waitFor('the F3 document', () => api.editors.documentFor(uri));
    const model = doc.model;
    assert.ok(model.labels && model.volume);
    const shape = model.labels.shape;
    // Two classes on inline position 11 (inline 122): rows 15–25 class 0, rows 55–65 class 1, all 18 traces.
    const [, nx] = shape;
    const top: number[] = [];
    const bottom: number[] = [];
    for (let r = 15; r < 25; r++) for (let x = 0; x < nx; x++) top.push(r * nx + x);
    for (let r = 55; r < 65; r++) for (let x = 0; x < nx; x++) bottom.push(r * nx + x);
    model.applyLabelRegion('test labels 0', sectionPixelsToVoxels(shape, 'inline', 11, top), 0);
    model.applyLabelRegion('test labels 1', sectionPixelsToVoxels(shape, 'inline', 11, bottom), 1);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);

    const store = api.training.store;
    assert.ok(store, 'runs are kept under the workspace storage');
    const before = new Set((await store.list()).map((m) => m.id));
    const running = vscode.commands.executeCommand('seisgrow.trainStage1');
    const meta = await waitFor('the new run', async () => (await store.list()).find((m) => !before.has(m.id)));
    const dir = store.dir(meta.id);
    // Two complete epochs, so the checkpoint on disk is a finished write, then stop in the middle of the next one.
    await waitFor('two epochs in metrics.json', async () => {
      const metrics = join(dir, 'metrics.json');
      if (!existsSync(metrics)) return undefined;
      const m = JSON.parse(await vscode.workspace.fs.readFile(vscode.Uri.file(metrics)).then((b) => Buffer.from(b).toString('utf8'))) as { epochs: unknown[] };
      return m.epochs.length >= 2 || undefined;
    }, 120_000);
    await vscode.commands.executeCommand('seisgrow.stopTraining');
    await running;
    const after = await store.read(meta.id);
    assert.equal(after.status, 'cancelled');
    assert.deepEqual(after.stagesCompleted, []);
    assert.ok(after.panel.epochs.length >= 2 && after.panel.epochs.length < 40, `${after.panel.epochs.length} epochs ran before the stop`);

    const ck = await readCheckpoint(dir);
    assert.equal(ck.stage, 1);
    assert.ok(ck.epoch >= 2, `checkpoint of epoch ${ck.epoch}`);
    assert.equal(ck.network.classes, 2);
    const section = await model.volume.inline(model.volume.info.inlines[11]);
    const dist = join(extension().extensionPath, 'dist');
    const [pred] = await predictSections(dir, [{ name: 'inline 122', seismic: section.data, height: section.rows, width: section.cols }], { workerScript: join(dist, 'worker.js'), wasmDir: dist });
    assert.equal(pred.classes.length, section.rows * section.cols);
    assert.ok(pred.classes.every((c) => c === 0 || c === 1), 'classes of the checkpoint');
    assert.ok(pred.confidence.every((p, px) => Math.abs(p - pred.probabilities[px * 2 + pred.classes[px]]) < 1e-6), 'confidence is the probability of the class kept');
    if (ck.unitOrder) {
      // Labels that meet the classes in one order down every trace: every predicted trace keeps it (orderedUnits 'auto').
      const rank = (c: number): number => ck.unitOrder!.indexOf(c);
      for (let y = 1; y < section.rows; y++) for (let x = 0; x < section.cols; x++) {
        assert.ok(rank(pred.classes[y * section.cols + x]) >= rank(pred.classes[(y - 1) * section.cols + x]), `trace ${x} breaks the units' order at sample ${y}`);
      }
    } else {
      assert.ok(pred.confidence.every((p) => p >= 0.5 - 1e-6 && p <= 1 + 1e-6), 'confidence of a 2-class argmax is in [0.5, 1]');
    }
  });

  it('predicts the volume with a finished run, evaluates it and exports labels and prediction beside the source, never over it', async () => {
    const api = await extension().activate();
    await settings.update('training.epochs.stage1', 1, vscode.ConfigurationTarget.Workspace);
    const folder = vscode.workspace.workspaceFolders![0];
    const uri = vscode.Uri.joinPath(folder.uri, 'f3.sgy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const doc = await waitFor('the F3 document', () => api.editors.documentFor(uri));
    await vscode.commands.executeCommand('seisgrow.trainStage1');
    const store = api.training.store!;
    const trained = await store.latestFor(doc.model.path, (m) => m.stagesCompleted.includes(1));
    assert.ok(trained, 'a run with stage 1 completed');

    await vscode.commands.executeCommand('seisgrow.predictVolume');
    const meta = await store.read(trained.id);
    assert.deepEqual(meta.volumePrediction?.shape, [23, 18, 75]);
    const pred = await readNpy(store.volumePredictionFiles(meta.id).prediction);
    assert.deepEqual([...pred.shape], [23, 18, 75]);
    assert.ok((pred.data as Uint8Array).every((c) => c === 0 || c === 1));
    assert.equal(doc.model.layers().prediction, true, 'the prediction is an overlay of the document');

    // The workspace's f3.sgy may carry labels saved by the editor's tests too: count what the document holds.
    let labelledNow = 0;
    for (let i = 0; i < 23; i++) for (const v of doc.model.labels!.readChunk(i) ?? []) if (v !== 255) labelledNow++;
    assert.ok(labelledNow >= 2 * 10 * 18);
    const scores = await api.training.evaluate({ truth: 'labels' });
    assert.ok(scores);
    assert.equal(scores.pixels, labelledNow, 'every labelled voxel scored, nothing else');
    assert.ok(scores.meanIoU >= 0 && scores.meanIoU <= 1);

    const labelsOut = join(folder.uri.fsPath, 'f3.labels.export.npy');
    const predOut = join(folder.uri.fsPath, 'f3.prediction.export.sgy');
    try {
      assert.equal(await api.training.exportData({ what: 'labels', format: 'npy', target: labelsOut }), labelsOut);
      const labels = await readNpy(labelsOut);
      assert.deepEqual([...labels.shape], [23, 18, 75]);
      assert.equal((labels.data as Uint8Array).filter((v) => v !== 255).length, labelledNow);
      await api.training.exportData({ what: 'prediction', format: 'segy', target: predOut });
      const volume = await openVolume(predOut);
      try {
        assert.deepEqual(volume.info.shape, [23, 18, 75]);
        assert.deepEqual(volume.info.inlines, doc.model.volume!.info.inlines);
        const line = await volume.inline(volume.info.inlines[11]);
        for (let s = 0; s < 75; s++) for (let x = 0; x < 18; x++) assert.equal(line.data[s * 18 + x], pred.data[(11 * 18 + x) * 75 + s]);
      } finally {
        await volume.close();
      }
      const source = readFileSync(uri.fsPath);
      await assert.rejects(api.training.exportData({ what: 'labels', format: 'segy', target: uri.fsPath }), /refusing to export over the source/);
      assert.deepEqual(readFileSync(uri.fsPath), source, 'the source volume is untouched');
    } finally {
      rmSync(labelsOut, { force: true });
      rmSync(predOut, { force: true });
    }
  });

  it('reopens a stored run in the panel and compares two runs\' final IoU', async () => {
    const api = await extension().activate();
    const store = api.training.store!;
    const runs = (await store.list()).filter((m) => m.panel.epochs.some((e) => e.iou.length > 0));
    assert.ok(runs.length >= 2, 'the two runs trained above');
    const [newer, older] = runs;
    await vscode.commands.executeCommand('seisgrow.runs.open', older.id);
    assert.equal(api.training.panel.current.run?.runId, older.id);
    assert.deepEqual(api.training.panel.current.run?.epochs, older.panel.epochs, 'its curves as stored');
    await vscode.commands.executeCommand('seisgrow.runs.compare', newer.id, older.id);
    const comparison = api.training.panel.current.comparison;
    assert.ok(comparison);
    assert.equal(comparison.runs.length, 2);
    const last = (m: typeof newer) => [...m.panel.epochs].reverse().find((e) => e.iou.length > 0)!;
    assert.deepEqual(comparison.runs.map((r) => r.miou), [last(newer).miou, last(older).miou]);
    assert.deepEqual(comparison.runs[0].iou, last(newer).iou);
  });
});
