// The webview against the REAL host logic (src/editor: EditorSession + SeisGrowDocumentModel over the real F3 SEG-Y),
// without VS Code: messages cross a page bridge (ArrayBuffers as base64). This checks that both halves of
// src/shared/editorProtocol.ts agree: init, binary sections, a stroke becoming an undoable document edit, and undo
// coming back as labelsChanged — asserted on the document AND on the canvas pixels.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openVolume } from '../../src/io/volume';
import { EditorSession } from '../../src/editor/editorSession';
import { SeisGrowDocumentModel } from '../../src/editor/seisgrowDocument';
import type { LabelEdit } from '../../src/editor/labelEdits';
import type { ToWebview } from '../../src/shared/editorProtocol';
import { UNLABELLED } from '../../src/shared/editorProtocol';
import { describeWithSharedData, sharedData } from '../support/sharedData';
import {
  canvasBox, canvasPixel, decodeFromPage, encodeForPage, launchChromium, openEditor, pageErrors, screenshot, startHarness, waitForSection,
  type Harness,
} from './support/harness';
import { failingSource } from './support/sources';

function rgb(hex: string): number[] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

describeWithSharedData('editor webview ↔ real host session on the F3 SEG-Y (chromium)', function () {
  let browser: Browser;
  let harness: Harness;
  let dir: string;
  let doc: SeisGrowDocumentModel;
  let session: EditorSession;
  let page: Page;
  const edits: LabelEdit[] = [];
  const posted: ToWebview[] = [];
  const logs: string[] = [];

  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'seisgrow-bridge-'));
    const file = join(dir, 'f3.sgy');
    copyFileSync(sharedData('segy', 'f3.sgy'), file);
    doc = await SeisGrowDocumentModel.open(file, { openVolume: (p) => openVolume(p) });
    doc.onDidEdit((e) => edits.push(e));
    browser = await launchChromium();
    // The page's own section server is not used in bridge mode.
    harness = await startHarness(failingSource('unused', 'unused'));
    session = new EditorSession(doc, {
      post: (m) => { posted.push(m); void page?.evaluate(`window.__fromHost(${JSON.stringify(encodeForPage(m))})`); },
      log: (line) => logs.push(line),
      openAsText: () => undefined,
      showError: (m) => logs.push(`error: ${m}`),
    });
    page = await openEditor(browser, harness, {
      query: 'bridge=1',
      // The page is needed by post() as soon as the webview says ready, before openEditor returns.
      beforeLoad: async (p) => { page = p; await p.exposeFunction('__toHost', (m: unknown) => session.handle(decodeFromPage(m))); },
    });
  });
  after(async () => {
    session?.dispose();
    await doc?.dispose();
    await browser?.close();
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the middle inline from the real host, paints an undoable edit, and undo repaints the canvas', async () => {
    const middle = doc.middleInline();
    await waitForSection(page, `${middle.axis}:${middle.index}`);
    assert.deepEqual(logs, [], 'the host accepted every message');
    const section = posted.find((m) => m.type === 'section');
    assert.ok(section && section.type === 'section' && section.amplitudes instanceof ArrayBuffer, 'sections travel as ArrayBuffers');

    await page.locator('#overlay-opacity').fill('1');
    const box = await canvasBox(page);
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const before = await canvasPixel(page, cx - box.x, cy - box.y);
    await page.mouse.move(cx - 30, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 30, cy, { steps: 6 });
    await page.mouse.up();
    await page.mouse.move(1, 1);
    const colour = rgb(doc.palette[0]!.color);
    const painted = await canvasPixel(page, cx - box.x, cy - box.y);
    assert.deepEqual(painted.slice(0, 3), colour, 'the stroke shows in the first class colour');
    // The host turned the ONE stroke message into ONE undoable edit, and answered it.
    const deadline = Date.now() + 10_000;
    while (!posted.some((m) => m.type === 'strokeResult') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(posted.filter((m) => m.type === 'strokeResult').map((m) => m.type === 'strokeResult' && m.accepted), [true]);
    assert.equal(edits.length, 1);
    assert.equal(doc.isDirty, true);
    const stored = await doc.section(middle.axis, middle.index);
    const paintedCount = stored.labels ? stored.labels.filter((v) => v === doc.palette[0]!.id).length : 0;
    assert.ok(paintedCount > 0, 'the document holds the painted labels');
    await screenshot(page, 'bridge-painted');

    const renders = Number(await page.evaluate(`document.getElementById('root').dataset.renders`));
    doc.undo(edits[0]!);
    const until = Date.now() + 10_000;
    while (Number(await page.evaluate(`document.getElementById('root').dataset.renders`)) <= renders && Date.now() < until) await page.waitForTimeout(20);
    assert.ok(posted.some((m) => m.type === 'labelsChanged'), 'undo is announced to the webview');
    assert.deepEqual(await canvasPixel(page, cx - box.x, cy - box.y), before, 'after undo the canvas shows the seismic again');
    const reverted = await doc.section(middle.axis, middle.index);
    assert.ok(!reverted.labels || reverted.labels.every((v) => v === UNLABELLED));
    assert.deepEqual(pageErrors(page), []);
    await screenshot(page, 'bridge-undone');
  });
});
