// The inspect view of the panel bundle in Chromium, fed a real F3 section (samples/f3_inline130_crop_*.npy): seeds at
// 8 traces, grown labels around them, a prediction with known mistakes. Asserts the drawn pixels and the counts.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { readNpy } from '../../src/io/npy';
import { panelHtml } from '../../src/training/panelHtml';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts', 'webview');
const COLORS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe'];

const stub = `
(() => {
  window.__posted = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
})();`;

describe('inspect view (Chromium, real F3 section)', function () {
  this.timeout(60_000);
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base = '';

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = createServer((req, res) => {
      if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(panelHtml({ cspSource: base, view: 'inspect', scriptUri: `${base}/panel.js`, styleUri: `${base}/panel.css`, nonce: 'n0nce' })); return; }
      if (req.url === '/panel.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(readFileSync(join(root, 'dist/panel.js'))); return; }
      if (req.url === '/panel.css') { res.writeHead(200, { 'content-type': 'text/css' }); res.end(readFileSync(join(root, 'media/panel.css'))); return; }
      res.writeHead(404); res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1300, height: 700 }, deviceScaleFactor: 1 });
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.addInitScript({ content: stub });
    await page.goto(base + '/');
    await page.waitForFunction('window.__posted.length > 0');
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('draws seeds, grown labels, prediction, confidence and the difference, and counts the disagreements', async () => {
    assert.deepEqual(await page.evaluate('window.__posted'), [{ type: 'ready' }]);
    const seismic = (await readNpy(join(root, 'samples/f3_inline130_crop_seismic.npy'))).data as Float32Array;
    const truth = (await readNpy(join(root, 'samples/f3_inline130_crop_labels.npy'))).data as Uint8Array;
    const rows = 462, cols = 384;
    const seeds = new Uint8Array(rows * cols).fill(255);
    const grown = new Uint8Array(rows * cols).fill(255);
    const traces = [20, 70, 120, 170, 220, 270, 320, 370];
    for (let r = 0; r < rows; r++) for (const t of traces) {
      seeds[r * cols + t] = truth[r * cols + t];
      for (let d = 1; d <= 3; d++) for (const c of [t - d, t + d]) grown[r * cols + c] = truth[r * cols + c];
    }
    // The prediction is the truth except a 10 × 384 band (rows 200–209) shifted by one class.
    const prediction = truth.slice();
    for (let r = 200; r < 210; r++) for (let c = 0; c < cols; c++) prediction[r * cols + c] = (truth[r * cols + c] + 1) % 10;
    const confidence = new Float32Array(rows * cols).fill(0.95);
    let wrongLabelled = 0;
    for (let r = 200; r < 210; r++) for (let c = 0; c < cols; c++) if (seeds[r * cols + c] !== 255 || grown[r * cols + c] !== 255) wrongLabelled++;
    const b64 = (a: Uint8Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    await page.evaluate(`(() => {
      const buf = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
      window.postMessage({ type: 'inspectInit', title: 'f3 inline 130', classNames: ${JSON.stringify(COLORS.map((_, i) => `unit ${i}`))}, classColors: ${JSON.stringify(COLORS)}, sections: [{ k: 0, title: 'inline 130' }, { k: 1, title: 'crossline 900' }], current: 0 }, '*');
      window.postMessage({ type: 'inspectSection', k: 0, title: 'inline 130', rows: ${rows}, cols: ${cols},
        seismic: buf('${b64(seismic)}'), seeds: buf('${b64(seeds)}'), grown: buf('${b64(grown)}'),
        prediction: buf('${b64(prediction)}'), confidence: buf('${b64(confidence)}') }, '*');
    })()`);
    await page.waitForFunction("document.querySelectorAll('#inspect-grid canvas').length === 5 && document.querySelector('#inspect-grid canvas').width === 384");
    const count = async (id: string) => Number((await page.textContent(`#${id} .v`))?.replace(/,/g, ''));
    assert.equal(await count('inspect-seeds'), rows * traces.length);
    assert.equal(await count('inspect-grown'), rows * traces.length * 6);
    assert.equal(await count('inspect-disagree'), wrongLabelled);
    assert.equal(await count('inspect-agree'), rows * traces.length * 7 - wrongLabelled);
    // The difference canvas: red exactly in the wrong band's labelled pixels, green on the other labelled ones.
    const diff = await page.evaluate(`(() => {
      const c = document.querySelectorAll('#inspect-grid canvas')[4];
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let red = 0, green = 0, redOutside = 0;
      for (let p = 0; p < d.length / 4; p++) {
        const r = d[4 * p], g = d[4 * p + 1], b = d[4 * p + 2];
        const row = Math.floor(p / c.width);
        // Grey seismic has r = g = b; the overlays tint it strongly towards red or green.
        if (r > g + 60 && r > b + 60) { red++; if (row < 200 || row >= 210) redOutside++; }
        else if (g > r + 60 && g > b + 30) green++;
      }
      return { red, green, redOutside };
    })()`) as { red: number; green: number; redOutside: number };
    assert.equal(diff.red, wrongLabelled);
    assert.equal(diff.redOutside, 0);
    assert.equal(diff.green, rows * traces.length * 7 - wrongLabelled);
    // Choosing another section asks the host for it.
    await page.selectOption('#inspect-section', '1');
    assert.deepEqual(await page.evaluate('window.__posted'), [{ type: 'ready' }, { type: 'select', k: 1 }]);
    await page.screenshot({ path: join(artifacts, 'panel-inspect.png') });
  });
});
