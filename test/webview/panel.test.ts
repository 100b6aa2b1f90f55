// The training panel bundle (dist/panel.js) in a real Chromium, served with the host's own HTML and CSP, fed the
// states our reducer makes from a sequence of engine events. Asserts on canvas pixels and table values.
import * as assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/training/panelHtml';
import { initialRun, reduceRun, withGrown, compareRuns } from '../../src/training/panelState';
import type { PanelRun, PanelState } from '../../src/shared/panelProtocol';
import type { EpochRecord, NetLosses, TrainingEvent } from '../../src/shared/trainingProtocol';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts', 'webview');

const classNames = ['upper N.S.', 'middle N.S.', 'lower N.S.', 'Rijnland', 'Schieland'];
const classColors = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231'];

function losses(sup: number, pseudo: number, consistency?: number): NetLosses {
  return consistency === undefined ? { sup, pseudo, recon: 0, total: sup + pseudo } : { sup, pseudo, recon: 0, consistency, total: sup + pseudo + consistency };
}

/** A run of 3 + 2 + 2 epochs with IoU rising, and two growth rounds: the shape of what the engine emits. */
function engineEvents(): TrainingEvent[] {
  const ev: TrainingEvent[] = [
    { type: 'backend', backend: { name: 'wasm', requested: 'auto', tfjsVersion: '4.22.0', workers: 2, parameterCount: 483942 } },
    { type: 'log', level: 'notice', message: 'ordered units: every labelled trace meets the classes in one order, top to bottom 0–4; predictions keep it' },
    { type: 'log', level: 'notice', message: 'pretraining epoch 1/2: reconstruction loss 0.5000 / 0.5100 (1.0 s)' },
    { type: 'log', level: 'notice', message: 'pretraining epoch 2/2: reconstruction loss 0.2500 / 0.2600 (2.0 s)' },
    { type: 'log', level: 'info', message: 'for the log only' },
  ];
  let e = 0;
  for (const [stage, epochs] of [[1, 3], [2, 2], [3, 2]] as const) {
    ev.push({ type: 'stageStart', stage, epochs, stepsPerEpoch: 4 });
    for (let k = 1; k <= epochs; k++) {
      e++;
      ev.push({ type: 'step', stage, epoch: k, step: 2, steps: 4, losses: { a: losses(1, 0), b: losses(1, 0) } });
      const iou = classNames.map((_, c) => Math.min(0.98, 0.2 + 0.1 * e + 0.03 * c));
      const record: EpochRecord = {
        stage, epoch: k,
        // The consistency option on from stage 2, as the engine reports it.
        losses: { a: losses(1.5 / e, stage >= 2 ? 0.4 / e : 0, stage >= 2 ? 0.9 / e : undefined), b: losses(1.6 / e, stage >= 2 ? 0.45 / e : 0, stage >= 2 ? 0.95 / e : undefined) },
        lambda: stage >= 2 ? 1 : 0,
        validation: { perClassIoU: iou, meanIoU: iou.reduce((s, v) => s + v, 0) / iou.length, pixelAccuracy: 0.9, meanClassAccuracy: 0.8, frequencyWeightedIoU: 0.85 },
        validationPixels: 1000, labelledPixels: 5000, seconds: 2.5, etaSeconds: 2.5 * (7 - e),
      };
      ev.push({ type: 'epoch', record });
      if (stage === 3) {
        ev.push({ type: 'growth', record: { stage, epoch: k, iterations: [[400, 300, 200, 100, 50], [200, 120, 80, 40, 10], [50, 20, 10, 5, 0]], addedTotal: 1585, labelledPerClass: [1, 2, 3, 4, 5], labelledFraction: 0.3, thresholds: [0.9, 0.9, 0.75, 0.6, 0.5 + 0.01 * k] } });
      }
    }
    ev.push({ type: 'stageEnd', stage, seconds: 5 });
  }
  ev.push({ type: 'done', summary: { status: 'completed', stagesCompleted: [1, 2, 3], checkpoint: '/tmp/ckpt', epochs: [], seconds: 17 } });
  return ev;
}

/** Non-transparent pixels of a canvas that are close to an RGB colour. */
async function pixelsNear(page: Page, selector: string, hex: string, tolerance = 40): Promise<number> {
  // A string, not a function: this file is type-checked without the DOM library.
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(${JSON.stringify(hex)}.slice(i, i + 2), 16));
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < ${tolerance}) n++;
    }
    return n;
  })()`);
}

/** Stub of VS Code's webview API recording posts, plus a dark theme's variables, installed before the page's script. */
const stubScript = `
(() => {
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__recordPost(m),
    getState: () => state,
    setState: (s) => { state = s; },
  });
  const theme = '--vscode-foreground:#cccccc;--vscode-descriptionForeground:#9d9d9d;--vscode-button-background:#0e639c;'
    + '--vscode-button-foreground:#ffffff;--vscode-button-secondaryBackground:#3a3d41;--vscode-button-secondaryForeground:#ffffff;'
    + '--vscode-sideBar-background:#252526;--vscode-font-family:sans-serif;--vscode-font-size:13px;'
    + '--vscode-editorWidget-border:#454545;--vscode-progressBar-background:#0e70c0';
  const apply = () => { if (document.documentElement) { document.documentElement.style.cssText = theme; return true; } return false; };
  if (!apply()) new MutationObserver((_, o) => { if (apply()) o.disconnect(); }).observe(document, { childList: true });
})();`;

describe('training panel webview (Chromium)', function () {
  this.timeout(60_000);
  let server: Server;
  let base = '';
  let browser: Browser;
  let page: Page;
  const posted: unknown[] = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      const files: Record<string, [string, string]> = {
        '/dist/panel.js': [join(root, 'dist/panel.js'), 'text/javascript'],
        '/media/panel.css': [join(root, 'media/panel.css'), 'text/css'],
      };
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(panelHtml({ cspSource: base, scriptUri: `${base}/dist/panel.js`, styleUri: `${base}/media/panel.css`, nonce: 'testnonce123' }));
        return;
      }
      const f = files[url];
      if (!f) { res.writeHead(url === '/favicon.ico' ? 204 : 404); res.end(); return; }
      res.writeHead(200, { 'content-type': f[1] });
      res.end(readFileSync(f[0]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 420, height: 1100 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => posted.push({ pageerror: String(e) }));
    page.on('console', (m) => { if (m.type() === 'error') posted.push({ consoleError: m.text() }); });
    await page.exposeFunction('__recordPost', (m: unknown) => { posted.push(m); });
    // tsx compiles this file with esbuild's keepNames, whose __name helper would be missing inside the page.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.addInitScript({ content: stubScript });
    await page.goto(base + '/');
    await page.waitForFunction("document.getElementById('empty') !== null", undefined, { timeout: 5000 }).catch((e) => { throw new Error(`panel did not start: ${JSON.stringify(posted)} ${e}`); });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  async function send(state: PanelState): Promise<void> {
    await page.evaluate(`window.postMessage(${JSON.stringify({ type: 'state', state })}, '*')`);
  }

  it('says ready, shows the empty state, and reports no CSP or script errors', async () => {
    assert.deepEqual(posted.filter((m) => (m as { type?: string }).type === 'ready'), [{ type: 'ready' }]);
    assert.equal(await page.isVisible('#empty'), true);
    assert.equal(await page.isVisible('#losses'), false);
    await page.screenshot({ path: join(artifacts, 'panel-empty.png') });
  });

  it('draws loss curves, the IoU table and bars, and growth counts from a sequence of epoch/growth events', async () => {
    let run: PanelRun = initialRun('r1', 'f3.sgy — stages 1–3', classNames, classColors);
    for (const ev of engineEvents()) {
      run = reduceRun(run, ev);
      await send({ run, comparison: null });
    }
    run = withGrown(run, 3170, 4);
    await send({ run, comparison: null });
    assert.equal(await page.isVisible('#empty'), false);
    // The curves: pixels in the colours of network A's supervised (blue) and pseudo (orange) series.
    const canvas = '#loss-chart canvas';
    assert.ok(await pixelsNear(page, canvas, '#4e9ff5') > 50, 'A supervised curve drawn');
    assert.ok(await pixelsNear(page, canvas, '#f5a524') > 20, 'A pseudo curve drawn');
    assert.ok(await pixelsNear(page, canvas, '#a371f7') > 20, 'A consistency curve drawn');
    // The IoU table shows the last epoch's values, formatted to 3 decimals.
    const last = run.epochs[run.epochs.length - 1];
    const cells = await page.$$eval('#iou-table td.iou-value', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(cells, last.iou.map((v) => (v as number).toFixed(3)));
    assert.equal(await page.textContent('#miou-value'), (last.miou as number).toFixed(3));
    // Bars in each class colour.
    for (const color of classColors) assert.ok(await pixelsNear(page, '#iou-bars', color, 30) > 30, `bar ${color}`);
    // Growth: the last round's totals per class (sum over its iterations) and the threshold each class needed.
    const rows = await page.$$eval('#growth-table tr', (trs) => trs.map((tr) => Array.from(tr.children as ArrayLike<{ textContent: string | null }>, (c) => c.textContent)));
    assert.deepEqual(rows.slice(1), [['upper N.S.', '650', '0.90'], ['middle N.S.', '440', '0.90'], ['lower N.S.', '290', '0.75'], ['Rijnland', '145', '0.60'], ['Schieland', '60', '0.52']]);
    assert.deepEqual(rows[0], ['class', 'pixels grown', 'threshold']);
    assert.ok(await pixelsNear(page, '#growth-chart canvas', classColors[0], 30) > 20, 'growth curve drawn');
    assert.match(await page.textContent('#fact-backend') ?? '', /wasm ×2/);
    assert.match(await page.textContent('#fact-status') ?? '', /done/);
    assert.match(await page.textContent('#grown-summary') ?? '', /3,170 pixels grown/);
    // The notices, one per topic: the last pretraining epoch replaced the first; info lines stay in the log.
    assert.deepEqual(await page.$$eval('#notes li', (lis) => lis.map((li) => li.textContent)), [
      'ordered units: every labelled trace meets the classes in one order, top to bottom 0–4; predictions keep it',
      'pretraining epoch 2/2: reconstruction loss 0.2500 / 0.2600 (2.0 s)',
    ]);
    await page.screenshot({ path: join(artifacts, 'panel-run.png'), fullPage: true });
  });

  it('posts the user decisions, and accept/discard are disabled once decided', async () => {
    posted.length = 0;
    await page.click('#accept');
    await page.click('#inspect');
    assert.deepEqual(posted, [{ type: 'accept' }, { type: 'inspect' }]);
    assert.equal(await page.isDisabled('#accept'), false);
  });

  it('shows progress and Stop while a stage is running', async () => {
    let run: PanelRun = initialRun('r2', 'f3.sgy — stage 1', classNames, classColors);
    // A run stored before notices were shown has no notes: nothing is listed.
    delete (run as { notes?: readonly string[] }).notes;
    run = reduceRun(run, { type: 'stageStart', stage: 1, epochs: 4, stepsPerEpoch: 10 });
    run = reduceRun(run, { type: 'step', stage: 1, epoch: 2, step: 5, steps: 10, losses: { a: losses(1, 0), b: losses(1, 0) } });
    await send({ run, comparison: null });
    assert.equal(await page.isVisible('#stop'), true);
    assert.equal(await page.isVisible('#notes'), false);
    const width = await page.getAttribute('#progress-bar', 'style');
    assert.equal(width, 'width: 38%;');
    posted.length = 0;
    await page.click('#stop');
    assert.deepEqual(posted, [{ type: 'stop' }]);
  });

  it('compares two runs side by side', async () => {
    let a: PanelRun = initialRun('a', 'run A', classNames, classColors);
    let b: PanelRun = initialRun('b', 'run B', classNames, classColors);
    for (const ev of engineEvents().slice(0, 10)) a = reduceRun(a, ev); // up to run A's first scored epochs
    for (const ev of engineEvents()) b = reduceRun(b, ev);
    await send({ run: b, comparison: compareRuns([a, b]) });
    const header = await page.$$eval('#compare-table th', (th) => th.map((t) => t.textContent));
    assert.deepEqual(header, ['class', 'run A', 'run B', 'Δ']);
    const mean = await page.$$eval('#compare-table tr.mean td', (td) => td.map((t) => t.textContent));
    assert.equal(mean[1], (compareRuns([a, b]).runs[0].miou as number).toFixed(3));
    assert.match(mean[3] ?? '', /^\+0\.\d{3}$/);
    await page.screenshot({ path: join(artifacts, 'panel-compare.png'), fullPage: true });
    assert.deepEqual(posted.filter((m) => 'pageerror' in (m as object) || 'consoleError' in (m as object)), []);
  });
});
