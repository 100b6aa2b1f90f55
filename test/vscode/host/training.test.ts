// Training inside the REAL extension host (code-server): the commands and views are registered, and stopping a stage
// mid-way leaves a checkpoint that loads and predicts. Labels are set on the open document through its model.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SeisGrowApi } from '../../../src/extension';
import { sectionPixelsToVoxels } from '../../../src/editor/sectionIndex';
import { readCheckpoint } from '../../../src/ml/checkpoint';
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
    assert.ok(pred.confidence.every((p) => p >= 0.5 - 1e-6 && p <= 1 + 1e-6), 'confidence of a 2-class argmax is in [0.5, 1]');
  });
});
