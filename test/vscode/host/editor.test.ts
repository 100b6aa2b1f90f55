// Extension-host tests with the REAL vscode module (bundled by run.mjs, run by index.ts inside code-server's host).
// The workspace holds copies of real data prepared by run.mjs: f3.sgy, line.npy (a real 2D F3 crop), broken.sgy,
// wrongshape.sgy with a sidecar of the wrong shape.
import * as assert from 'node:assert/strict';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SeisGrowApi } from '../../../src/extension';
import { readNpy } from '../../../src/io/npy';
import { UNLABELLED, type StrokeMessage } from '../../../src/shared/editorProtocol';
import { sectionPixelToVoxel } from '../../../src/io/voxelOrder';

const VIEW_TYPE = 'seisgrow.seismicEditor';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tabFor(uri: vscode.Uri): vscode.Tab | undefined {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input;
      if ((input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) && input.uri.toString() === uri.toString()) return tab;
    }
  }
  return undefined;
}

async function api(): Promise<SeisGrowApi> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'seisgrow');
  assert.ok(ext, 'the SeisGrow extension is installed');
  return (await ext.activate()) as SeisGrowApi;
}

function strokeOn(index: number, pixels: number[], value: number): StrokeMessage {
  return { type: 'stroke', strokeId: 1, axis: 'inline', index, rows: 75, cols: 18, pixels, value, tool: 'brush' };
}

async function closeAll(): Promise<void> {
  // Revert dirty editors through VS Code first, so closing never asks to save.
  for (const seis of (await api()).editors.documents) {
    if (tabFor(seis.uri)?.isDirty !== true) continue;
    await vscode.commands.executeCommand('vscode.openWith', seis.uri, VIEW_TYPE);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('SeisGrow seismic editor in a real VS Code', function () {
  this.timeout(60_000);
  afterEach(closeAll);

  it('opens a *.sgy file with the seismic editor by default, on the real F3 volume', async () => {
    const uri = workspaceFile('f3.sgy');
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await waitFor('the custom editor tab', () => tabFor(uri));
    assert.ok(tab.input instanceof vscode.TabInputCustom, 'opened as a custom editor');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    assert.deepEqual(seis.model.volume?.info.shape, [23, 18, 75]);
    assert.equal(seis.model.volume?.info.inlines[0], 111);
    assert.equal(seis.model.volume?.info.crosslines.at(-1), 892);
  });

  it('turns a stroke into a VS Code edit: dirty marker, undo/redo, save writes the sidecar beside the volume', async () => {
    const uri = workspaceFile('f3.sgy');
    const volumeBefore = readFileSync(uri.fsPath);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    const pixels = [0, 1, 18, 19, 40];
    seis.model.stroke(strokeOn(120, pixels, 1), Uint32Array.from(pixels));
    await waitFor('the tab to be dirty', () => tabFor(uri)?.isDirty === true);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to clear the dirty marker', () => tabFor(uri)?.isDirty === false);
    const voxel = sectionPixelToVoxel([23, 18, 75], 'inline', 120 - 111, 19);
    assert.equal(seis.model.labels!.get(voxel), UNLABELLED, 'undo restored the old label');
    await vscode.commands.executeCommand('redo');
    await waitFor('redo to make it dirty again', () => tabFor(uri)?.isDirty === true);
    assert.equal(seis.model.labels!.get(voxel), 1);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('save to clear the dirty marker', () => tabFor(uri)?.isDirty === false);
    const sidecar = join(uri.fsPath, '..', 'f3.labels.npy');
    assert.ok(existsSync(sidecar), 'f3.labels.npy written beside the volume');
    const labels = await readNpy(sidecar);
    assert.deepEqual([...labels.shape], [23, 18, 75]);
    const data = labels.data as Uint8Array;
    for (const p of pixels) assert.equal(data[sectionPixelToVoxel([23, 18, 75], 'inline', 9, p)], 1);
    assert.equal(data.filter((v) => v !== UNLABELLED).length, pixels.length);
    const classes = JSON.parse(readFileSync(join(uri.fsPath, '..', 'f3.labels.json'), 'utf8'));
    assert.deepEqual(classes.classes.map((c: { id: number }) => c.id), [0, 1]);
    assert.deepEqual(readFileSync(uri.fsPath), volumeBefore, 'the SEG-Y itself is never modified');
  });

  it('accepts a whole labelled region as ONE undoable VS Code edit (the training side\'s "accept grown labels")', async () => {
    const uri = workspaceFile('f3.sgy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    const before = (await seis.model.section('inline', 114)).labels;
    const dense = new Uint8Array(23 * 18 * 75).fill(UNLABELLED);
    dense.fill(0, 3 * 18 * 75, 4 * 18 * 75); // all of inline 114 (position 3)
    const edit = seis.model.acceptLabels('Accept grown labels', dense, { onlyUnlabelled: true })!;
    assert.equal(edit.voxels.length, 18 * 75);
    await waitFor('dirty', () => tabFor(uri)?.isDirty === true);
    assert.ok((await seis.model.section('inline', 114)).labels!.every((v) => v === 0));
    await vscode.commands.executeCommand('undo');
    await waitFor('one undo to take the whole region back', () => tabFor(uri)?.isDirty === false);
    const after = (await seis.model.section('inline', 114)).labels;
    assert.deepEqual(after ? [...after] : null, before ? [...before] : null);
  });

  it('reverts unsaved strokes through VS Code (File: Revert)', async () => {
    const uri = workspaceFile('f3.sgy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    seis.model.stroke(strokeOn(115, [5], 0), Uint32Array.of(5));
    await waitFor('dirty', () => tabFor(uri)?.isDirty === true);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('revert to clear the dirty marker', () => tabFor(uri)?.isDirty === false);
    assert.equal(seis.model.labels!.get(sectionPixelToVoxel([23, 18, 75], 'inline', 4, 5)), UNLABELLED);
  });

  it('offers the editor for *.npy as an option only, and opens a real 2D F3 section as one section', async () => {
    const uri = workspaceFile('line.npy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    assert.equal(seis.model.volume?.info.kind, '2d');
    assert.deepEqual(seis.model.volume?.info.shape, [1, 384, 462]);
    const s = await seis.model.section('inline', 0);
    assert.equal(s.rows, 462); assert.equal(s.cols, 384);
    const contributed = vscode.extensions.all.find((e) => e.packageJSON?.name === 'seisgrow')!.packageJSON.contributes.customEditors;
    const npy = contributed.find((c: { selector: { filenamePattern: string }[] }) => c.selector.some((s) => s.filenamePattern === '*.npy'));
    assert.equal(npy.priority, 'option');
  });

  it('shows a file that cannot be read as an error document (no exception), labels not editable', async () => {
    const uri = workspaceFile('broken.sgy');
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    assert.ok(seis.model.openError, 'the reader error is kept for the webview');
    assert.match(seis.model.openError!.message, /broken\.sgy/);
    assert.equal(seis.model.labelsEditable, false);
  });

  it('refuses a sidecar of the wrong shape: labels read-only, the sidecar never overwritten', async () => {
    const uri = workspaceFile('wrongshape.sgy');
    const sidecar = join(uri.fsPath, '..', 'wrongshape.labels.npy');
    const before = readFileSync(sidecar);
    const mtime = statSync(sidecar).mtimeMs;
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const seis = await waitForDocument(uri);
    assert.match(seis.model.labelsProblem?.message ?? '', /labels sidecar has shape \(2, 3, 4\) but the volume needs \(23, 18, 75\)/);
    assert.throws(() => seis.model.stroke(strokeOn(120, [0], 1), Uint32Array.of(0)), /read-only/);
    await vscode.commands.executeCommand('workbench.action.files.save');
    assert.deepEqual(readFileSync(sidecar), before);
    assert.equal(statSync(sidecar).mtimeMs, mtime);
  });
});

async function waitForDocument(uri: vscode.Uri) {
  const editors = (await api()).editors;
  return waitFor(`the SeisGrow document for ${uri.fsPath}`, () => editors.documentFor(uri));
}
