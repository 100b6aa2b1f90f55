// The editor webview in a real browser (playwright-core + Debian chromium, headless) against a stub host that serves
// REAL F3 data: sections from ../shared/data/f3-sections, and the real F3 SEG-Y through src/io. Every check that
// matters reads the canvas pixels back; screenshots go to test-artifacts/webview/.
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { openVolume } from '../../src/io/volume';
import type { Volume } from '../../src/io/types';
import { SegyVolume } from '../../src/io/segy';
import { describeWithSharedData, sharedData } from '../support/sharedData';
import {
  canvasBox, canvasColors, canvasPixel, launchChromium, openEditor, pageErrors, screenshot, startHarness, waitForSection,
  type Harness,
} from './support/harness';
import { F3_PALETTE, f3SectionsSource, failingSource, volumeSource } from './support/sources';

const UNIT0: [number, number, number] = [0xe6, 0x19, 0x4b];
const UNIT2: [number, number, number] = [0xff, 0xe1, 0x19];

/** Pick an option of a vscode-single-select the way a user does: open it, click the entry. */
async function choose(page: Page, selectId: string, label: string): Promise<void> {
  await page.click(`#${selectId}`);
  await page.locator(`#${selectId} li[role=option]`, { hasText: label }).first().click();
}

/** Set the overlay opacity slider and wait for the frame that draws with it. */
/** Wait until the webview has drawn the frames it requested (pan, zoom and opacity redraw on animation frames). */
async function nextFrame(page: Page): Promise<void> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
}

/** Set the overlay opacity slider and wait for the frame that draws with it. */
async function setOpacity(page: Page, value: string): Promise<void> {
  await page.locator('#overlay-opacity').fill(value);
  await nextFrame(page);
}

async function renders(page: Page): Promise<number> {
  return Number(await page.evaluate(`document.getElementById('root').dataset.renders ?? 0`));
}

/** Poll an expression in the page until it is truthy (page.waitForFunction would need 'unsafe-eval', which the CSP forbids). */
async function waitUntil(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await page.waitForTimeout(25);
  }
}

async function waitForRenderAfter(page: Page, count: number): Promise<void> {
  await waitUntil(page, `Number(document.getElementById('root').dataset.renders ?? 0) > ${count}`);
}

/** Messages the webview posted, with ArrayBuffers summarised (they do not cross page.evaluate). */
async function sentMessages(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(`stubHost.sent.map((m) => JSON.parse(JSON.stringify(m, (k, v) => v instanceof ArrayBuffer ? { arrayBufferBytes: v.byteLength } : v)))`) as Promise<Record<string, unknown>[]>;
}

/** Centre of the canvas in page coordinates (inside the fitted section for every F3 section). */
async function centre(page: Page): Promise<{ x: number; y: number; box: { x: number; y: number; width: number; height: number } }> {
  const box = await canvasBox(page);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, box };
}

/** Section pixels in the plot area (inside the axes' margins: left 64, top 34, right 10, bottom 10 CSS px), i.e.
 *  pixels unlike the background colour, and their mean x in CSS px relative to the canvas. */
async function sectionPixels(page: Page): Promise<{ count: number; meanX: number }> {
  return page.evaluate(`(() => {
    const c = document.getElementById('section-canvas');
    const s = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    const bg = ctx.getImageData(1, 1, 1, 1).data;
    const x0 = Math.ceil(64 * s), y0 = Math.ceil(34 * s), x1 = c.width - Math.ceil(10 * s), y1 = c.height - Math.ceil(10 * s);
    const d = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    const w = x1 - x0;
    let count = 0, sumX = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - bg[0]) > 12 || Math.abs(d[i + 1] - bg[1]) > 12 || Math.abs(d[i + 2] - bg[2]) > 12) { count++; sumX += x0 + (i / 4) % w; }
    }
    return { count: count / (s * s), meanX: count ? sumX / count / s : -1 };
  })()`) as Promise<{ count: number; meanX: number }>;
}

function near(a: readonly number[], b: readonly number[], tolerance = 3): boolean {
  return a.slice(0, 3).every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

describeWithSharedData('editor webview on real F3 sections (chromium)', function () {
  let browser: Browser;
  let harness: Harness;
  let page: Page;

  before(async function () {
    this.timeout(120_000);
    browser = await launchChromium();
    harness = await startHarness(await f3SectionsSource());
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });
  beforeEach(async () => {
    harness.sectionRequests.clear();
    page = await openEditor(browser, harness);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
    assert.deepEqual(pageErrors(page), [], 'no errors in the page');
    await page.context().close();
  });

  it('handshakes ready → init and renders the real inline 130 in the seismic colormap', async () => {
    const sent = await sentMessages(page);
    assert.equal(sent[0]!.type, 'ready');
    const request = sent.find((m) => m.type === 'requestSection');
    assert.deepEqual({ axis: request?.axis, index: request?.index }, { axis: 'inline', index: 130 });
    await waitForSection(page, 'inline:130');
    const colors = await canvasColors(page);
    assert.ok(colors.red > colors.total * 0.05, `seismic colormap shows red: ${JSON.stringify(colors)}`);
    assert.ok(colors.blue > colors.total * 0.05, `seismic colormap shows blue: ${JSON.stringify(colors)}`);
    assert.equal(await page.inputValue('#line-slider'), '30', 'slider at inline 130 of 100..750');
    assert.equal(await page.locator('#line-number').evaluate((e) => (e as unknown as { value: string }).value), '130');
    await screenshot(page, 'inline-130-seismic');
  });

  it('switches to the grey colormap: no red or blue pixels any more, and the choice is saved with setState', async () => {
    await choose(page, 'colormap', 'Grey');
    await waitUntil(page, `stubHost.states.some((s) => s.colormap === 'grey')`);
    const colors = await canvasColors(page);
    assert.equal(colors.red, 0);
    assert.equal(colors.blue, 0);
    assert.ok(colors.grey > colors.total * 0.9, JSON.stringify(colors));
    await screenshot(page, 'inline-130-grey');
  });

  it('changes clip and gain: a higher gain saturates more pixels', async () => {
    const saturated = async (): Promise<number> => (await canvasColors(page, undefined, [127, 0, 0], 12)).matching
      + (await canvasColors(page, undefined, [0, 0, 76], 12)).matching;
    const before = await saturated();
    const n = await renders(page);
    await page.locator('#gain input').fill('4');
    await page.locator('#gain input').press('Enter');
    await waitForRenderAfter(page, n);
    const after = await saturated();
    assert.ok(after > before * 3, `saturated pixels ${before} → ${after}`);
  });

  it('switches axis to crossline and reads out the crossline under the cursor', async () => {
    await choose(page, 'axis', 'Crossline');
    await waitForSection(page, 'crossline:775');
    const c = await centre(page);
    await page.mouse.move(c.x, c.y);
    const readout = await page.textContent('#readout');
    assert.match(readout ?? '', /inline \d+ {2}· {2}crossline 775 {2}· {2}time \d+ ms/);
    const colors = await canvasColors(page);
    assert.ok(colors.red > 0 && colors.blue > 0);
    await screenshot(page, 'crossline-775');
  });

  it('prefetches the neighbouring lines, so stepping with the arrow key needs no new request', async () => {
    const deadline = Date.now() + 10_000;
    while (!(harness.sectionRequests.has('inline:131') && harness.sectionRequests.has('inline:129')) && Date.now() < deadline) await page.waitForTimeout(50);
    assert.ok(harness.sectionRequests.has('inline:131'), `prefetched: ${[...harness.sectionRequests.keys()]}`);
    await page.focus('#section-canvas');
    await page.keyboard.press('ArrowRight');
    await waitForSection(page, 'inline:131');
    assert.equal(harness.sectionRequests.get('inline:131'), 1, 'served from the cache');
    await page.keyboard.press('PageDown');
    await waitForSection(page, 'inline:141');
    assert.equal(await page.inputValue('#line-slider'), '41');
  });

  it('paints a brush stroke shown at once, sends ONE stroke message, and undo (labelsChanged) removes it', async () => {
    await setOpacity(page, '1');
    const c = await centre(page);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    const before = await canvasPixel(page, local.x, local.y);
    assert.ok(!near(before, UNIT0), 'the centre is not already painted');
    const unit0Before = (await canvasColors(page, undefined, UNIT0, 2)).matching;
    await page.mouse.move(c.x - 60, c.y);
    await page.mouse.down();
    for (let k = -50; k <= 60; k += 10) await page.mouse.move(c.x + k, c.y + k / 4);
    await page.mouse.up();
    // Off the canvas, so the brush outline (drawn in the class colour) is not counted.
    await page.mouse.move(1, 1);
    const painted = await canvasPixel(page, local.x, local.y);
    assert.ok(near(painted, UNIT0), `painted pixel ${painted} is Unit 0's colour`);
    const strokes = (await sentMessages(page)).filter((m) => m.type === 'stroke');
    assert.equal(strokes.length, 1);
    const s = strokes[0]!;
    assert.deepEqual({ axis: s.axis, index: s.index, rows: s.rows, cols: s.cols, value: s.value, tool: s.tool }, { axis: 'inline', index: 130, rows: 462, cols: 951, value: 0, tool: 'brush' });
    const pixels = (s.pixels as { arrayBufferBytes: number }).arrayBufferBytes / 4;
    assert.ok(pixels > 400 && pixels < 2000, `a 5-pixel brush over ~120 columns: ${pixels} pixels`);
    await screenshot(page, 'stroke-painted');

    const n = await renders(page);
    assert.equal(await page.evaluate('stubHost.undo()'), true);
    await waitForRenderAfter(page, n);
    const undone = await canvasPixel(page, local.x, local.y);
    assert.deepEqual(undone, before, 'after undo the pixel is back to the seismic colour');
    assert.equal((await canvasColors(page, undefined, UNIT0, 2)).matching, unit0Before, 'no painted pixels left anywhere');
    await screenshot(page, 'stroke-undone');

    const m = await renders(page);
    await page.evaluate('stubHost.redo()');
    await waitForRenderAfter(page, m);
    assert.ok(near(await canvasPixel(page, local.x, local.y), UNIT0), 'redo brings it back');
  });

  it('erases painted labels with the eraser (value 255) and pans with the middle button', async () => {
    await setOpacity(page, '1');
    const c = await centre(page);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    const before = await canvasPixel(page, local.x, local.y);
    await page.mouse.move(c.x - 20, c.y);
    await page.mouse.down();
    await page.mouse.move(c.x + 20, c.y, { steps: 4 });
    await page.mouse.up();
    await page.focus('#section-canvas');
    await page.keyboard.press('e');
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    await page.mouse.move(c.x - 25, c.y);
    await page.mouse.down();
    await page.mouse.move(c.x + 25, c.y, { steps: 5 });
    await page.mouse.up();
    await page.mouse.move(1, 1);
    await nextFrame(page);
    assert.deepEqual(await canvasPixel(page, local.x, local.y), before, 'erased back to the seismic');
    const strokes = (await sentMessages(page)).filter((m) => m.type === 'stroke');
    assert.deepEqual(strokes.map((m) => [m.tool, m.value]), [['brush', 0], ['eraser', 255]]);
    assert.equal(await page.inputValue('#brush-size'), '7', '] twice grows the brush from 5 to 7');
    // Middle-button drag pans: the pixel under a fixed screen point changes, the section point follows the drag.
    await page.mouse.move(c.x, c.y);
    const readBefore = /crossline (\d+)/.exec(await page.textContent('#readout') ?? '')![1];
    await page.mouse.down({ button: 'middle' });
    await page.mouse.move(c.x + 100, c.y, { steps: 5 });
    await page.mouse.up({ button: 'middle' });
    await page.mouse.move(c.x + 100, c.y + 1);
    await page.mouse.move(c.x + 100, c.y);
    const readAfter = /crossline (\d+)/.exec(await page.textContent('#readout') ?? '')![1];
    assert.ok(Math.abs(Number(readAfter) - Number(readBefore)) <= 1, `the dragged point moved with the cursor: ${readBefore} → ${readAfter}`);
    assert.equal((await sentMessages(page)).filter((m) => m.type === 'stroke').length, 2, 'panning paints nothing');
  });

  it('draws a closed polyline and fills the region it bounds with another class (quick key 3)', async () => {
    await setOpacity(page, '1');
    const c = await centre(page);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    await page.focus('#section-canvas');
    await page.keyboard.press('l');
    for (const [dx, dy] of [[-50, -40], [50, -40], [50, 40], [-50, 40], [-50, -40]] as const) await page.mouse.click(c.x + dx, c.y + dy);
    await page.keyboard.press('Enter');
    await page.keyboard.press('3');
    await page.keyboard.press('f');
    await page.mouse.click(c.x, c.y);
    assert.ok(near(await canvasPixel(page, local.x, local.y), UNIT2), 'the inside has Unit 2’s colour');
    assert.ok(near(await canvasPixel(page, local.x - 50, local.y), UNIT0), 'the outline has Unit 0’s colour');
    assert.ok(!near(await canvasPixel(page, local.x + 80, local.y), UNIT2), 'outside the box is not filled');
    const strokes = (await sentMessages(page)).filter((m) => m.type === 'stroke');
    assert.deepEqual(strokes.map((s) => [s.tool, s.value]), [['line', 0], ['fill', 2]]);
    const filled = (strokes[1]!.pixels as { arrayBufferBytes: number }).arrayBufferBytes / 4;
    assert.ok(filled > 90 * 70 * 0.8 && filled < 100 * 80, `the fill covers the inside of the box: ${filled} pixels`);
    await screenshot(page, 'polyline-fill');
  });

  it('rolls back a stroke the host refuses', async () => {
    await setOpacity(page, '1');
    await page.evaluate('stubHost.refuseStrokes = true');
    const c = await centre(page);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    const before = await canvasPixel(page, local.x, local.y);
    const n = await renders(page);
    await page.mouse.move(c.x - 10, c.y);
    await page.mouse.down();
    await page.mouse.move(c.x + 10, c.y);
    await page.mouse.up();
    await waitUntil(page, `!document.getElementById('message').hidden`);
    assert.match(await page.textContent('#message') ?? '', /refused by the test host/);
    // The refusal invalidates the section and refetches it from the host, which renders it afresh.
    await waitForRenderAfter(page, n);
    assert.deepEqual(await canvasPixel(page, local.x, local.y), before);
  });

  it('edits the palette through the host: add, rename, delete', async () => {
    await page.click('#add-class');
    await page.waitForSelector('.class-row[data-class="10"]');
    const name = page.locator('#class-name-10 input');
    await name.fill('Salt');
    await name.press('Enter');
    await waitUntil(page, `stubHost.palette.some((c) => c.id === 10 && c.name === 'Salt')`);
    await page.locator('.class-row[data-class="3"] .delete').click();
    await waitUntil(page, `!document.querySelector('.class-row[data-class="3"]')`);
    const edits = (await sentMessages(page)).filter((m) => m.type === 'paletteEdit').map((m) => m.edit);
    assert.deepEqual(edits, [{ op: 'add', name: 'Class 10', color: '#008080' }, { op: 'rename', id: 10, name: 'Salt' }, { op: 'delete', id: 3 }]);
    assert.equal(await page.locator('.class-row').count(), F3_PALETTE.length);
  });

  it('shows the prediction overlay when toggled, and zooms around the cursor', async () => {
    const plain = await canvasColors(page, undefined, UNIT0, 2);
    await page.locator('#show-prediction').click();
    await setOpacity(page, '1');
    const shown = await canvasColors(page, undefined, UNIT0, 2);
    assert.equal(plain.matching, 0);
    assert.ok(shown.matching > 5000, `the real Unit 0 interpretation is drawn: ${shown.matching} pixels`);
    await setOpacity(page, '0.4');
    const c = await centre(page);
    await page.mouse.move(c.x + 100, c.y - 50);
    const position = async (): Promise<[number, number]> => {
      const m = /crossline (\d+) .*\(sample (\d+)\)/.exec(await page.textContent('#readout') ?? '');
      assert.ok(m, 'readout shows crossline and sample');
      return [Number(m[1]), Number(m[2])];
    };
    const before = await position();
    const zoomBefore = await canvasColors(page);
    await page.mouse.wheel(0, -600);
    await nextFrame(page);
    await page.mouse.move(c.x + 100, c.y - 51);
    await page.mouse.move(c.x + 100, c.y - 50);
    const after = await position();
    // The point under the cursor is fixed in fractional section coordinates; its pixel may round either way.
    assert.ok(Math.abs(after[0] - before[0]) <= 1 && Math.abs(after[1] - before[1]) <= 1, `${before} → ${after}`);
    const zoomAfter = await canvasColors(page);
    assert.notDeepEqual(zoomAfter, zoomBefore, 'the zoomed canvas differs');
    await screenshot(page, 'prediction-zoomed');
  });

  it('shows a loading note only when a line is slow to arrive', async () => {
    await page.context().close();
    page = await openEditor(browser, harness, { query: 'delay=700' });
    await page.focus('#section-canvas');
    await page.keyboard.press('End');
    await page.waitForSelector('#loading:not([hidden])', { timeout: 2_000 });
    await waitForSection(page, 'inline:750');
    assert.equal(await page.locator('#loading').isHidden(), true);
  });

  it('follows the VS Code theme colours (a light theme repaints the canvas background)', async () => {
    const dark = await canvasPixel(page, 3, 3);
    await page.evaluate(`document.body.style.setProperty('--vscode-editor-background', '#fdfdfd'); document.body.style.setProperty('--vscode-editor-foreground', '#202020'); document.body.className = 'vscode-light'`);
    await nextFrame(page);
    const light = await canvasPixel(page, 3, 3);
    assert.deepEqual(light.slice(0, 3), [0xfd, 0xfd, 0xfd]);
    assert.notDeepEqual(dark, light);
    await screenshot(page, 'inline-130-light-theme');
  });

  it('draws a vertical well-like trace with Shift and the line tool', async () => {
    await setOpacity(page, '1');
    const c = await centre(page);
    await page.focus('#section-canvas');
    await page.keyboard.press('l');
    await page.mouse.click(c.x, c.y - 80);
    await page.keyboard.down('Shift');
    await page.mouse.click(c.x + 25, c.y + 80);
    await page.keyboard.up('Shift');
    await page.keyboard.press('Enter');
    await page.mouse.move(1, 1);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    assert.ok(near(await canvasPixel(page, local.x, local.y + 60), UNIT0), 'painted straight down from the first point');
    assert.ok(!near(await canvasPixel(page, local.x + 25, local.y + 79), UNIT0), 'not towards the unconstrained second point');
  });

  it('disables painting on a read-only document: the brush only pans, nothing is sent', async () => {
    await page.context().close();
    page = await openEditor(browser, harness, { query: 'readonly=1' });
    assert.equal(await page.locator('#tool-brush').getAttribute('disabled'), '');
    assert.equal(await page.locator('#add-class').getAttribute('disabled'), '');
    const c = await centre(page);
    const local = { x: c.x - c.box.x, y: c.y - c.box.y };
    const before = await canvasColors(page);
    await page.mouse.move(c.x, c.y);
    await page.mouse.down();
    await page.mouse.move(c.x + 120, c.y + 40, { steps: 5 });
    await page.mouse.up();
    await nextFrame(page);
    assert.equal((await sentMessages(page)).filter((m) => m.type === 'stroke').length, 0);
    assert.notDeepEqual(await canvasColors(page), before, 'the drag panned the view');
    assert.ok(!near(await canvasPixel(page, local.x + 120, local.y + 40), UNIT0));
  });

  it('renders crisply at devicePixelRatio 2', async () => {
    await page.context().close();
    page = await openEditor(browser, harness, { deviceScaleFactor: 2 });
    const size = await page.evaluate('window.probe.backingSize()') as { width: number; cssWidth: number; height: number; cssHeight: number };
    assert.equal(size.width, Math.round(size.cssWidth * 2));
    assert.equal(size.height, Math.round(size.cssHeight * 2));
    const colors = await canvasColors(page);
    assert.ok(colors.red > colors.total * 0.05 && colors.blue > colors.total * 0.05);
    await screenshot(page, 'inline-130-dpr2');
  });
});

describeWithSharedData('editor webview on the real F3 SEG-Y (chromium)', function () {
  let browser: Browser;
  let harness: Harness;
  let volume: Volume;
  let page: Page;
  let hovered: { inline: number; crossline: number } | undefined;

  before(async function () {
    this.timeout(120_000);
    volume = await openVolume(sharedData('segy', 'f3.sgy'));
    browser = await launchChromium();
    harness = await startHarness(volumeSource(volume));
    page = await openEditor(browser, harness);
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
    await volume?.close();
  });

  it('opens at the middle inline with the real line numbers, and switches to a time slice', async () => {
    await waitForSection(page, 'inline:122');
    assert.match(await page.textContent('#position') ?? '', /12 of 23/);
    await choose(page, 'axis', 'Time slice');
    await waitForSection(page, 'sample:37');
    const colors = await canvasColors(page);
    assert.ok(colors.red > 0 && colors.blue > 0, JSON.stringify(colors));
    const c = await centre(page);
    await page.mouse.move(c.x, c.y);
    const t = volume.info.sampleStart + 37 * volume.info.sampleInterval;
    const readout = await page.textContent('#readout') ?? '';
    const [, il, xl] = /inline (\d+) {2}· {2}crossline (\d+)/.exec(readout) ?? [];
    hovered = { inline: Number(il), crossline: Number(xl) };
    assert.match(readout, new RegExp(`inline 1[123]\\d {2}· {2}crossline 8[89]\\d {2}· {2}time ${t} ms \\(sample 37\\)`));
    await screenshot(page, 'f3-segy-timeslice');
    assert.deepEqual(pageErrors(page), []);
  });

  it('redraws the narrow F3 section after the column narrows and widens again (another view opened beside it)', async () => {
    const own = await openEditor(browser, harness);
    try {
      await waitForSection(own, 'inline:122');
      for (const width of [1280, 560, 900, 1400]) {
        await own.setViewportSize({ width, height: 720 });
        await nextFrame(own);
        const box = await canvasBox(own);
        const drawn = await sectionPixels(own);
        assert.ok(drawn.count > 0.05 * box.width * box.height, `section drawn at width ${width}: ${JSON.stringify(drawn)} in ${box.width}×${box.height}`);
        // Centred in the plot (left margin 64, right 10), not left where it was in a wider column.
        const plotCentre = 64 + (box.width - 74) / 2;
        assert.ok(Math.abs(drawn.meanX - plotCentre) < 0.1 * box.width, `centred at width ${width}: mean x ${drawn.meanX}, plot centre ${plotCentre}`);
        await screenshot(own, `f3-segy-width-${width}`);
      }
      assert.deepEqual(pageErrors(own), []);
    } finally {
      await own.context().close();
    }
  });

  it('fills the view with the small F3 inline by default; a typed exaggeration wins, Fit returns to fill', async () => {
    const own = await openEditor(browser, harness);
    try {
      await waitForSection(own, 'inline:122');
      const box = await canvasBox(own);
      const plotArea = (box.width - 74) * (box.height - 44);
      const filled = await sectionPixels(own);
      assert.ok(filled.count > 0.85 * plotArea, `fills the plot: ${filled.count} of ${plotArea} px`);
      assert.match(await own.locator('#exaggeration').getAttribute('placeholder') ?? '', /^fill 0\.\d\d$/, 'the chosen exaggeration is shown');
      const setVe = async (value: string): Promise<void> => {
        await own.locator('#exaggeration input').fill(value);
        await own.locator('#exaggeration input').press('Enter');
        await waitUntil(own, `stubHost.states.at(-1).verticalExaggeration === ${value}`);
        await nextFrame(own);
      };
      await setVe('1');
      const strip = await sectionPixels(own);
      assert.ok(strip.count < 0.5 * plotArea && strip.count > 0.05 * plotArea, `exaggeration 1: the true-aspect strip, ${strip.count} of ${plotArea} px`);
      await own.setViewportSize({ width: 900, height: 720 });
      await nextFrame(own);
      const stripNarrow = await sectionPixels(own);
      assert.ok(stripNarrow.count < 0.5 * plotArea, `the user's exaggeration survives a resize: ${stripNarrow.count} px`);
      await own.click('#reset-view');
      await nextFrame(own);
      const narrowBox = await canvasBox(own);
      const refilled = await sectionPixels(own);
      assert.ok(refilled.count > 0.85 * (narrowBox.width - 74) * (narrowBox.height - 44), `Fit fills again: ${refilled.count}`);
      assert.equal(await own.locator('#exaggeration').evaluate((e) => (e as unknown as { value: string }).value), '');
      await setVe('2');
      await own.focus('#section-canvas');
      await own.keyboard.press('0');
      await nextFrame(own);
      assert.ok((await sectionPixels(own)).count > 0.85 * (narrowBox.width - 74) * (narrowBox.height - 44), "'0' fills again too");
      await waitUntil(own, `stubHost.states.at(-1).verticalExaggeration === null`);
    } finally {
      await own.context().close();
    }
  });

  it('shows the textual, binary and trace headers in the Headers tab', async () => {
    await page.click('vscode-tab-header[data-tab=headers]');
    await page.waitForSelector('#textual-header');
    const text = await page.textContent('#textual-header');
    assert.ok(volume instanceof SegyVolume);
    assert.equal(text, volume.textualHeader.match(/.{1,80}/gs)!.join('\n'));
    assert.match(text ?? '', /\S{4}/, 'the decoded textual header has words');
    const binary = await page.locator('#binary-header tbody tr').allTextContents();
    assert.ok(binary.includes('3221Samples75'), 'binary header lists 75 samples at byte 3221');
    const trace = await page.locator('#trace-header tbody tr').allTextContents();
    // The time-slice test left the cursor over a trace: the header view describes that one.
    const { inline: il, crossline: xl } = hovered!;
    assert.ok(trace.includes(`189INLINE_3D${il}`) && trace.includes(`193CROSSLINE_3D${xl}`), `trace header of inline ${il}, crossline ${xl}: ${trace.filter((r) => r.includes('LINE_3D'))}`);
    await screenshot(page, 'f3-segy-headers');
    assert.deepEqual(pageErrors(page), []);
  });
});

describe('editor webview error state (chromium)', function () {
  let browser: Browser;
  let harness: Harness;

  before(async function () {
    this.timeout(120_000);
    browser = await launchChromium();
    harness = await startHarness(failingSource('broken.sgy', 'broken.sgy: truncated SEG-Y file: 3600 header bytes expected, 120 found'));
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  it("shows the reader's error and sends openAsText from its button", async () => {
    const page = await openEditor(browser, harness);
    assert.match(await page.textContent('.open-error') ?? '', /cannot read broken\.sgy[\s\S]*truncated SEG-Y file/);
    await page.click('#open-as-text');
    await waitUntil(page, `stubHost.sent.some((m) => m.type === 'openAsText')`);
    await screenshot(page, 'open-error');
    await page.context().close();
  });
});
