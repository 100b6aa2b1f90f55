// UI tests in the real VS Code workbench (code-server started by run.mjs, the VSIX installed), driven with
// playwright-core + Debian chromium: open the real F3 SEG-Y, see the section drawn in the custom editor's webview
// (canvas pixels), paint a stroke with the mouse, dirty tab, Ctrl+S, the sidecar on disk, then an unsaved stroke that
// survives a page reload (hot exit). Screenshots of every step go to test-artifacts/vscode/.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameWith, runCommand, waitFor } from './workbench';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { readNpy } from '../../src/io/npy';
import { voxelCoordinates } from '../../src/io/voxelOrder';

const url = process.env.SEISGROW_CODE_SERVER_URL;
const workspace = process.env.SEISGROW_UI_WORKSPACE;
const artifacts = process.env.SEISGROW_ARTIFACTS ?? 'test-artifacts/vscode';
const SHAPE: [number, number, number] = [23, 18, 75];
const MIDDLE_INLINE_POSITION = 11; // inline 122 of 111..133

/** The canvas as the page sees it (the root tsconfig has no DOM library; these run in the browser). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}




/** The webview frame that holds the section canvas. */
async function editorFrame(page: Page): Promise<Frame> {
  return waitFor('the seismic editor webview with its canvas', async () => {
    for (const f of page.frames()) {
      if (f.isDetached()) continue;
      // A frame that is still navigating can stall a query: bound each probe.
      const found = await Promise.race([f.$('#section-canvas').then((h) => !!h, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
      if (found) return f;
    }
    return undefined;
  }, 60_000);
}

/** Statistics of the canvas pixels: how many distinct colours, and the fraction of pixels that are not the most common one. */
async function canvasStats(frame: Frame): Promise<{ distinct: number; nonBackground: number; width: number; height: number; rgba: number[] }> {
  return frame.$eval('#section-canvas', (el) => {
    const c = el as unknown as CanvasLike;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let k = 0; k < data.length; k += 4) {
      const key = (data[k]! << 16) | (data[k + 1]! << 8) | data[k + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    const n = data.length / 4;
    return { distinct: counts.size, nonBackground: (n - top) / n, width: c.width, height: c.height, rgba: [] };
  });
}

/** Keep a copy of the canvas pixels inside the page (shipping megabytes of RGBA over CDP is slow). */
async function snapshotCanvas(frame: Frame): Promise<void> {
  await frame.$eval('#section-canvas', (el) => {
    const c = el as unknown as CanvasLike;
    (globalThis as unknown as { seisgrowSnapshot: Uint8ClampedArray }).seisgrowSnapshot = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.slice();
  });
}

/** How many canvas pixels differ from the last snapshot. */
async function changedSinceSnapshot(frame: Frame): Promise<number> {
  return frame.$eval('#section-canvas', (el) => {
    const c = el as unknown as CanvasLike;
    const now = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const before = (globalThis as unknown as { seisgrowSnapshot: Uint8ClampedArray }).seisgrowSnapshot;
    let n = 0;
    for (let k = 0; k < Math.min(now.length, before.length); k += 4) if (now[k] !== before[k] || now[k + 1] !== before[k + 1] || now[k + 2] !== before[k + 2]) n++;
    return n;
  });
}

/** Drag the mouse across the canvas from fraction (fx0, fy0) to (fx1, fy1) of its box, with the left button down. */
async function drag(page: Page, frame: Frame, from: [number, number], to: [number, number]): Promise<void> {
  const box = await frame.locator('#section-canvas').boundingBox();
  assert.ok(box, 'the canvas has a box on the page');
  const at = (f: [number, number]) => [box.x + box.width * f[0], box.y + box.height * f[1]] as const;
  const [x0, y0] = at(from);
  const [x1, y1] = at(to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 12 });
  await page.mouse.up();
}

function dirtyTab(page: Page) {
  return page.locator('.tabs-container .tab.dirty');
}

function sidecarLabels(): Promise<Uint8Array> {
  return readNpy(join(workspace!, 'f3.labels.npy')).then((a) => {
    assert.deepEqual([...a.shape], SHAPE);
    assert.equal(a.dtype, 'uint8');
    return a.data as Uint8Array;
  });
}

function labelledVoxels(data: Uint8Array): number[] {
  const out: number[] = [];
  data.forEach((v, k) => { if (v !== 255) out.push(k); });
  return out;
}

(url && workspace ? describe : describe.skip)('SeisGrow in the real VS Code workbench (code-server + chromium)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let page: Page;
  let savedCount = 0;

  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace!)}`);
    await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 90_000 });
  });
  after(async () => { await browser?.close(); });

  it('opens the real F3 SEG-Y in the seismic editor and draws the middle inline', async () => {
    // Under load the workbench can open f3.sgy before the extension's contributions (the custom editor) arrived from
    // the remote host, and pick the text editor: run one of our commands first, which also activates the extension.
    await runCommand(page, 'SeisGrow: Show Training Panel', 90_000);
    await frameWith(page, '#empty', 'the training panel (the extension is active)');
    // The rest of this test runs on the editor alone (as before the panel existed): a view restored beside it after
    // the reload could hold the focus that Ctrl+S needs.
    await runCommand(page, 'View: Close Primary Side Bar');
    const t0 = Date.now();
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type('f3.sgy');
    await waitFor('f3.sgy in quick open', async () => (await page.locator('.quick-input-list .monaco-list-row').count()) > 0 || undefined);
    await page.keyboard.press('Enter');
    const frame = await editorFrame(page);
    const tFrame = Date.now() - t0;
    const stats = await waitFor('the section drawn on the canvas', async () => {
      const s = await canvasStats(frame);
      // The section fills the plot (automatic exaggeration); the axes' margins stay background.
      return s.distinct > 50 && s.nonBackground > 0.3 ? s : undefined;
    });
    console.log(`      webview frame with its canvas ${tFrame} ms after Enter, section drawn at ${Date.now() - t0} ms: ${stats.width}×${stats.height} device px, ${stats.distinct} colours`);
    await page.screenshot({ path: join(artifacts, '01-opened.png') });
    assert.ok(await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).count() >= 1);
    const position = await frame.locator('#position').textContent();
    assert.match(position ?? '', /^12 of 23/, 'the middle inline (122, the 12th of 23) is shown');
  });

  it('paints a stroke with the mouse: the canvas shows it and the tab becomes dirty', async () => {
    const frame = await editorFrame(page);
    await snapshotCanvas(frame);
    await drag(page, frame, [0.35, 0.45], [0.65, 0.5]);
    await waitFor('the dirty marker on the tab', async () => (await dirtyTab(page).count()) > 0 || undefined);
    const changed = await changedSinceSnapshot(frame);
    assert.ok(changed > 200, `the stroke changed ${changed} canvas pixels`);
    await page.screenshot({ path: join(artifacts, '02-painted.png') });
  });

  it('saves with Ctrl+S: the sidecar beside the SEG-Y holds the painted voxels on the middle inline', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await page.keyboard.press('Control+S');
    await waitFor('the dirty marker to clear', async () => (await dirtyTab(page).count()) === 0 || undefined);
    await waitFor('f3.labels.npy on disk', async () => existsSync(join(workspace!, 'f3.labels.npy')) || undefined);
    const labelled = labelledVoxels(await sidecarLabels());
    assert.ok(labelled.length > 10, `${labelled.length} voxels labelled`);
    for (const v of labelled) assert.equal(voxelCoordinates(SHAPE, v)[0], MIDDLE_INLINE_POSITION, 'every painted voxel is on inline 122');
    const json = JSON.parse(readFileSync(join(workspace!, 'f3.labels.json'), 'utf8'));
    assert.ok(json.classes.length >= 1);
    savedCount = labelled.length;
    await page.screenshot({ path: join(artifacts, '03-saved.png') });
  });

  it('restores an unsaved stroke after a window reload (hot exit backup)', async () => {
    let frame = await editorFrame(page);
    // The web workbench backs a dirty editor up a moment after each change, and the test cannot see when that write
    // has landed; on a loaded machine a reload can come first. So: stroke, wait, reload — and once more with a longer
    // wait if no backup came back. A hot exit that never restores fails both attempts.
    let restored = false;
    for (const [attempt, backupWaitMs] of [[1, 6000], [2, 20000]] as const) {
      await drag(page, frame, [0.3, 0.75], [0.7, 0.8]);
      await waitFor('the dirty marker', async () => (await dirtyTab(page).count()) > 0 || undefined);
      await page.screenshot({ path: join(artifacts, `04-unsaved-stroke-${attempt}.png`) });
      await new Promise((r) => setTimeout(r, backupWaitMs));
      await page.reload();
      await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 90_000 });
      restored = await waitFor('the restored tab to be dirty', async () => (await dirtyTab(page).count()) > 0 || undefined, 45_000).then(() => true, () => false);
      await page.screenshot({ path: join(artifacts, `05-reloaded-${attempt}.png`) });
      frame = await editorFrame(page);
      if (restored) break;
      console.log(`      (attempt ${attempt}: no backup restored after a ${backupWaitMs} ms wait; painting and reloading again)`);
    }
    assert.ok(restored, 'the reloaded window restored the unsaved stroke from its hot-exit backup');
    await waitFor('the section drawn again', async () => (await canvasStats(frame)).distinct > 50 || undefined);
    await page.screenshot({ path: join(artifacts, '06-after-reload-drawn.png') });
    assert.equal(labelledVoxels(await sidecarLabels()).length, savedCount, 'the unsaved stroke was not written to disk');
    // Saving now writes the restored stroke: proof that it came back from the backup.
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await page.keyboard.press('Control+S');
    await waitFor('the dirty marker to clear', async () => (await dirtyTab(page).count()) === 0 || undefined);
    const after = await waitFor('the restored stroke on disk', async () => {
      const n = labelledVoxels(await sidecarLabels()).length;
      return n > savedCount ? n : undefined;
    });
    assert.ok(after > savedCount + 10, `${after - savedCount} voxels of the restored stroke saved`);
    await page.screenshot({ path: join(artifacts, '07-restored-saved.png') });
  });
});
