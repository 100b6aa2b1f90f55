// End-to-end training in the real VS Code workbench (code-server started by run.mjs, the VSIX installed), driven with
// playwright-core + Debian chromium: open the real F3 SEG-Y, paint sparse labels with the mouse on two inlines, save,
// run Train Stage 1, Train Stage 2 and Grow Labels from the command palette (tiny epochs from workspace settings),
// see the curves and the IoU table in the side panel, inspect and accept the grown labels, save, check the label file;
// then stop a longer stage from the notification's Cancel. Screenshots of each step in test-artifacts/vscode/.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { frameWith, runCommand, waitFor } from './workbench';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { readNpy } from '../../src/io/npy';

const url = process.env.SEISGROW_CODE_SERVER_URL;
const artifacts = process.env.SEISGROW_ARTIFACTS ?? 'test-artifacts/vscode';
const root = resolve(__dirname, '../..');

/** Small enough to finish in seconds on 2 cores, big enough to learn two classes on F3's 75 × 18 inlines. */
const TINY_SETTINGS = {
  'seisgrow.training.epochs.stage1': 3,
  'seisgrow.training.epochs.stage2': 2,
  'seisgrow.training.epochs.stage3': 2,
  'seisgrow.training.stepsPerEpoch': 6,
  'seisgrow.training.batchSize': 4,
  'seisgrow.training.patchSize': 32,
  'seisgrow.training.baseFilters': 8,
  'seisgrow.training.lambdaRampUpEpochs': 1,
  'seisgrow.training.unlabelledSections': 2,
  'seisgrow.training.growth.threshold': 0.6,
  'seisgrow.training.growth.radius': 3,
  'seisgrow.training.seed': 7,
  'seisgrow.training.backend': 'wasm',
};




/** A notification whose text matches, read from the notification center (toasts may be hidden in a headless page). */
async function notification(page: Page, text: RegExp, timeoutMs: number): Promise<string> {
  let lastOpened = 0;
  return waitFor(`a notification matching ${text}`, async () => {
    if (!(await page.locator('.notifications-center').isVisible().catch(() => false)) && Date.now() - lastOpened > 3000) {
      lastOpened = Date.now();
      await runCommand(page, 'Notifications: Show Notifications');
    }
    const all = await page.locator('.notification-list-item-message').allTextContents();
    return all.find((t) => text.test(t));
  }, timeoutMs);
}

async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.keyboard.press('Escape');
}

/** Drag across the canvas from fraction `from` to `to` of its box with the left button down. */
async function drag(page: Page, frame: Frame, from: [number, number], to: [number, number]): Promise<void> {
  const box = await frame.locator('#section-canvas').boundingBox();
  assert.ok(box, 'the canvas has a box');
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 16 });
  await page.mouse.up();
}

function labelled(data: Uint8Array): number {
  let n = 0;
  for (const v of data) if (v !== 255) n++;
  return n;
}

(url ? describe : describe.skip)('training from VS Code: F3, paint, stages 1-3 from the palette, panel, inspect, accept (code-server)', function () {
  this.timeout(240_000);
  let browser: Browser;
  let page: Page;
  let ws = '';
  let seeds: Uint8Array;

  before(async () => {
    ws = mkdtempSync(join(tmpdir(), 'seisgrow-train-ui-'));
    const shared = join(root, '..', 'shared', 'data', 'segy', 'f3.sgy');
    copyFileSync(existsSync(shared) ? shared : join(root, 'samples', 'f3.sgy'), join(ws, 'f3.sgy'));
    mkdirSync(join(ws, '.vscode'));
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(TINY_SETTINGS, null, 2));
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    page = await (await browser.newContext({ viewport: { width: 1500, height: 950 } })).newPage();
    await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 90_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !page) return;
    const name = (this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 40));
    await page.screenshot({ path: join(artifacts, `training-FAILED-${name}.png`) }).catch(() => undefined);
    const toasts = await page.locator('.notification-list-item').allTextContents().catch(() => []);
    console.log(`      notifications at failure: ${JSON.stringify(toasts)}`);
  });

  after(async () => {
    await browser?.close();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  it('opens F3 and paints sparse labels of two classes on two inlines, then saves them', async () => {
    // The extension's contributions arrive from the remote host a moment after the workbench: wait for them (and show
    // the panel) before opening, or the workbench may pick the text editor for f3.sgy.
    await runCommand(page, 'SeisGrow: Show Training Panel', 90_000);
    await frameWith(page, '#empty', 'the empty training panel');
    await page.screenshot({ path: join(artifacts, 'training-00-empty-panel.png') });
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type('f3.sgy');
    await waitFor('f3.sgy in quick open', async () => (await page.locator('.quick-input-list .monaco-list-row').count()) > 0 || undefined);
    await page.keyboard.press('Enter');
    const frame = await frameWith(page, '#section-canvas', 'the seismic editor');
    await new Promise((r) => setTimeout(r, 1500));
    for (const step of [0, 5]) {
      if (step) {
        const before = await frame.locator('#position').textContent();
        for (let k = 0; k < step; k++) await page.keyboard.press('ArrowRight');
        await waitFor('the next inline', async () => (await frame.locator('#position').textContent()) !== before || undefined);
        await new Promise((r) => setTimeout(r, 500));
      }
      // Class 0 ("1") near the top, class 1 ("2") near the bottom: two horizontal strokes, as an interpreter marks units.
      await frame.locator('#section-canvas').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('1');
      for (let k = 0; k < 4; k++) await page.keyboard.press(']');
      // F3's 18 traces fill only the middle of the canvas (about 0.40–0.60 of its width).
      await drag(page, frame, [0.41, 0.3], [0.59, 0.32]);
      await page.keyboard.press('2');
      await drag(page, frame, [0.41, 0.85], [0.59, 0.83]);
    }
    await waitFor('the dirty marker', async () => (await page.locator('.tabs-container .tab.dirty').count()) > 0 || undefined);
    await page.screenshot({ path: join(artifacts, 'training-01-painted.png') });
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await page.keyboard.press('Control+S');
    await waitFor('f3.labels.npy on disk', async () => existsSync(join(ws, 'f3.labels.npy')) || undefined);
    await waitFor('the dirty marker to clear', async () => (await page.locator('.tabs-container .tab.dirty').count()) === 0 || undefined);
    seeds = (await readNpy(join(ws, 'f3.labels.npy'))).data as Uint8Array;
    const classes = new Set([...seeds].filter((v) => v !== 255));
    assert.deepEqual([...classes].sort(), [0, 1], 'two classes painted');
    assert.ok(labelled(seeds) > 40, `${labelled(seeds)} voxels painted`);
  });

  it('trains stage 1 from the command palette and shows loss curves and the IoU table in the panel', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await runCommand(page, 'SeisGrow: Train Stage 1 (Supervised)');
    const text = await notification(page, /Stage 1 \(supervised\) finished on f3\.sgy/, 180_000);
    assert.match(text, /validation mIoU \d\.\d{3}/);
    const panel = await frameWith(page, '#loss-chart', 'the training panel');
    await waitFor('IoU rows in the panel', async () => (await panel.locator('#iou-table td.iou-value').count()) === 2 || undefined);
    const ious = await panel.locator('#iou-table td.iou-value').allTextContents();
    for (const v of ious) assert.match(v, /^(\d\.\d{3}|–)$/);
    assert.equal(await panel.locator('#loss-chart canvas').count() > 0, true);
    assert.match(await panel.locator('#fact-backend').textContent() ?? '', /wasm/);
    assert.match(await panel.locator('#fact-status').textContent() ?? '', /done/);
    await page.screenshot({ path: join(artifacts, 'training-02-stage1.png') });
    await clearNotifications(page);
  });

  it('trains stage 2 (CPS) from the palette: the curves carry on with pseudo losses', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await runCommand(page, 'SeisGrow: Train Stage 2 (Cross Pseudo Supervision)');
    await notification(page, /Stage 2 \(cross pseudo supervision\) finished on f3\.sgy/, 180_000);
    const panel = await frameWith(page, '#loss-chart', 'the training panel');
    const legend = await panel.locator('#loss-chart .u-legend').textContent();
    assert.match(legend ?? '', /A pseudo/);
    assert.match(await panel.locator('#fact-stage').textContent() ?? '', /^stage2 · epoch 2\/2$/);
    await page.screenshot({ path: join(artifacts, 'training-03-stage2.png') });
    await clearNotifications(page);
  });

  let grownPixels = 0;
  it('grows labels (stage 3) from the palette: growth counts and the grown labels wait for a decision', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await runCommand(page, 'SeisGrow: Grow Labels (Stage 3)');
    const text = await notification(page, /Stage 3 \(region growing\) finished on f3\.sgy/, 180_000);
    const m = /([\d,]+) pixels grown/.exec(text);
    assert.ok(m, `the message says how many pixels grew: ${text}`);
    grownPixels = Number(m[1].replace(/,/g, ''));
    assert.ok(grownPixels > 0);
    const panel = await frameWith(page, '#grown-summary', 'the grown labels section');
    assert.match(await panel.locator('#grown-summary').textContent() ?? '', new RegExp(`${m[1]} pixels grown`));
    assert.ok(await panel.locator('#growth-table td.num').count() >= 2, 'growth counts per class');
    await page.screenshot({ path: join(artifacts, 'training-04-grown.png') });
    await clearNotifications(page);
  });

  it('inspects the grown labels: seed, grown, prediction, confidence and difference drawn', async () => {
    const panel = await frameWith(page, '#inspect', 'the Inspect button');
    await panel.locator('#inspect').click();
    const view = await frameWith(page, '#inspect-grid canvas', 'the inspect view');
    await waitFor('the inspect canvases drawn', async () => {
      const sizes = await view.locator('#inspect-grid canvas').evaluateAll((cs) => cs.map((c) => (c as unknown as { width: number }).width));
      return sizes.length === 5 && sizes.every((w) => w > 1) || undefined;
    });
    assert.match(await view.locator('#inspect-grown').textContent() ?? '', /grown px[\d,]+/);
    await page.screenshot({ path: join(artifacts, 'training-05-inspect.png') });
  });

  it('accepts the grown labels as one edit, saves, and the label file holds seeds plus grown labels', async () => {
    const panel = await frameWith(page, '#accept', 'the Accept button');
    await panel.locator('#accept').click();
    await waitFor('the editor to become dirty', async () => (await page.locator('.tabs-container .tab.dirty', { hasText: 'f3.sgy' }).count()) > 0 || undefined);
    await waitFor('the decision in the panel', async () => /accepted/.test(await panel.locator('#grown-summary').textContent() ?? '') || undefined);
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await page.keyboard.press('Control+S');
    await waitFor('the dirty marker to clear', async () => (await page.locator('.tabs-container .tab.dirty', { hasText: 'f3.sgy' }).count()) === 0 || undefined);
    const after = await waitFor('the grown labels on disk', async () => {
      const d = (await readNpy(join(ws, 'f3.labels.npy'))).data as Uint8Array;
      return labelled(d) > labelled(seeds) ? d : undefined;
    });
    assert.equal(labelled(after), labelled(seeds) + grownPixels, 'seeds + exactly the grown pixels the panel announced');
    for (let v = 0; v < seeds.length; v++) if (seeds[v] !== 255) assert.equal(after[v], seeds[v], `seed voxel ${v} kept`);
    await page.screenshot({ path: join(artifacts, 'training-06-accepted-saved.png') });
  });

  it('stops a longer stage 1 from the notification\'s Cancel and says the last checkpoint is kept', async () => {
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ ...TINY_SETTINGS, 'seisgrow.training.epochs.stage1': 40 }, null, 2));
    await new Promise((r) => setTimeout(r, 1500));
    await page.locator('.tabs-container .tab', { hasText: 'f3.sgy' }).first().click();
    await runCommand(page, 'SeisGrow: Train Stage 1 (Supervised)');
    const panel = await frameWith(page, '#fact-stage', 'the training panel');
    await waitFor('two finished epochs of the 40', async () => /epoch ([2-9]|\d\d)\/40/.test(await panel.locator('#fact-stage').textContent() ?? '') || undefined, 120_000);
    await page.screenshot({ path: join(artifacts, 'training-07-running.png') });
    await runCommand(page, 'Notifications: Show Notifications');
    const cancel = page.locator('.notification-list-item', { hasText: 'SeisGrow: f3.sgy' }).locator('.monaco-button', { hasText: 'Cancel' });
    await cancel.first().click();
    const text = await notification(page, /training of f3\.sgy stopped/, 60_000);
    assert.match(text, /last complete checkpoint is kept/);
    await waitFor('the panel status', async () => /cancelled/.test(await panel.locator('#fact-status').textContent() ?? '') || undefined);
    assert.match(await panel.locator('#message').textContent() ?? '', /last complete checkpoint is kept/);
    await waitFor('the status bar to stop spinning', async () => (await page.locator('.statusbar-item', { hasText: 'SeisGrow S1' }).count()) === 0 || undefined);
    await page.screenshot({ path: join(artifacts, 'training-08-cancelled.png') });
  });
});
