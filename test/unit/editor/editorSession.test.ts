// The host's single message handler against the real F3 SEG-Y: handshake, binary sections, strokes, headers,
// and malformed messages logged and ignored (never a crash, never a change); plus the webview page's CSP.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVolume } from '../../../src/io/volume';
import { UNLABELLED, type ToWebview } from '../../../src/shared/editorProtocol';
import { EditorSession } from '../../../src/editor/editorSession';
import { SeisGrowDocumentModel } from '../../../src/editor/seisgrowDocument';
import { editorCsp, editorHtml } from '../../../src/editor/webviewHtml';
import { describeWithSharedData, sharedData } from '../../support/sharedData';

function harness(doc: SeisGrowDocumentModel) {
  const posted: ToWebview[] = [];
  const logged: string[] = [];
  const errors: string[] = [];
  let openedAsText = 0;
  const session = new EditorSession(doc, {
    post: (m) => posted.push(m), log: (l) => logged.push(l), showError: (m) => errors.push(m), openAsText: () => { openedAsText++; },
  });
  return { session, posted, logged, errors, openedAsText: () => openedAsText };
}

describeWithSharedData('EditorSession on the real F3 SEG-Y', () => {
  let dir: string;
  let doc: SeisGrowDocumentModel;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seisgrow-session-'));
    copyFileSync(sharedData('segy', 'f3.sgy'), join(dir, 'f3.sgy'));
    doc = await SeisGrowDocumentModel.open(join(dir, 'f3.sgy'), { openVolume: (p) => openVolume(p) });
  });
  afterEach(async () => { await doc.dispose(); rmSync(dir, { recursive: true, force: true }); });

  it('answers ready with init (middle inline, real line numbers) and serves sections as ArrayBuffers', async () => {
    const h = harness(doc);
    await h.session.handle({ type: 'ready', protocolVersion: 1 });
    const init = h.posted[0]!;
    assert.ok(init.type === 'init' && init.ok);
    assert.deepEqual(init.volume.shape, [23, 18, 75]);
    assert.equal(init.volume.inlines[0], 111);
    assert.deepEqual(init.initialView, { axis: 'inline', index: 122 });
    assert.ok(init.volume.statistics && init.volume.statistics.max > init.volume.statistics.min);
    await h.session.handle({ type: 'requestSection', requestId: 7, axis: 'crossline', index: 880 });
    const s = h.posted[1]!;
    assert.ok(s.type === 'section');
    assert.equal(s.requestId, 7);
    assert.equal(s.rows, 75); assert.equal(s.cols, 23);
    assert.ok(s.amplitudes instanceof ArrayBuffer);
    const amp = new Float32Array(s.amplitudes);
    const trace = await doc.volume!.trace(115, 880);
    for (let k = 0; k < 75; k++) assert.equal(amp[k * 23 + 4], trace[k]);
    assert.equal(s.labels, null);
  });

  it('applies a stroke, answers strokeResult, and does not echo it back to the painting webview', async () => {
    const h = harness(doc);
    const other = harness(doc);
    await h.session.handle({ type: 'stroke', strokeId: 3, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: [0, 19, 40], value: 1, tool: 'brush' });
    assert.deepEqual(h.posted, [{ type: 'strokeResult', strokeId: 3, accepted: true }]);
    assert.deepEqual(other.posted, [{ type: 'labelsChanged', axis: 'inline', index: 120 }], 'a second panel of the document refetches');
    await h.session.handle({ type: 'requestSection', requestId: 1, axis: 'inline', index: 120 });
    const s = h.posted[1]!;
    assert.ok(s.type === 'section' && s.labels);
    const labels = new Uint8Array(s.labels);
    assert.deepEqual([labels[0], labels[19], labels[40], labels[1]], [1, 1, 1, UNLABELLED]);
  });

  it('refuses a stroke outside the section and a class not in the palette, with a reason', async () => {
    const h = harness(doc);
    await h.session.handle({ type: 'stroke', strokeId: 4, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: new Uint32Array([75 * 18]).buffer, value: 1, tool: 'brush' });
    await h.session.handle({ type: 'stroke', strokeId: 5, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: [1], value: 7, tool: 'brush' });
    assert.deepEqual(h.posted.map((m) => m.type === 'strokeResult' && m.accepted), [false, false]);
    assert.match((h.posted[1] as { message: string }).message, /class 7 is not in the palette/);
    assert.equal(doc.isDirty, false);
  });

  it('logs and ignores malformed messages without answering or changing anything', async () => {
    const h = harness(doc);
    const bad: unknown[] = [
      null, 42, 'ready', { type: 'nope' }, { type: 'requestSection', requestId: -1, axis: 'inline', index: 120 },
      { type: 'requestSection', requestId: 1, axis: 'diagonal', index: 120 },
      { type: 'stroke', strokeId: 1, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: [1.5], value: 1, tool: 'brush' },
      { type: 'stroke', strokeId: 1, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: new ArrayBuffer(3), value: 1, tool: 'brush' },
      { type: 'stroke', strokeId: 1, axis: 'inline', index: 120, rows: 75, cols: 18, pixels: [1], value: 256, tool: 'brush' },
      { type: 'paletteEdit', edit: { op: 'add', name: '', color: '#000000' } },
      { type: 'paletteEdit', edit: { op: 'recolor', id: 0, color: 'javascript:alert(1)' } },
      { type: 'reportError', message: 'x'.repeat(5000) },
    ];
    for (const m of bad) await h.session.handle(m);
    assert.equal(h.posted.length, 0);
    assert.equal(h.logged.length, bad.length);
    assert.ok(h.logged.every((l) => l.startsWith('ignored a malformed message')));
    assert.equal(doc.isDirty, false);
  });

  it('answers a request for a missing line with an error reply for that request', async () => {
    const h = harness(doc);
    await h.session.handle({ type: 'requestSection', requestId: 9, axis: 'inline', index: 999 });
    assert.deepEqual(h.posted, [{ type: 'error', message: `${join(dir, 'f3.sgy')}: there is no inline 999 in this volume`, requestId: 9 }]);
  });

  it('serves the SEG-Y headers: EBCDIC textual lines, binary fields, the trace header nearest the cursor', async () => {
    const h = harness(doc);
    await h.session.handle({ type: 'requestHeaders', requestId: 2, inline: 112, crossline: 880 });
    const m = h.posted[0]!;
    assert.ok(m.type === 'headers');
    assert.equal(m.textual.length, 40);
    assert.match(m.textual.join('\n'), /C 1/);
    assert.equal(m.binary.find((f) => f.name === 'Samples')!.value, 75);
    assert.equal(m.binary.find((f) => f.name === 'Format')!.byte, 3225);
    assert.equal(m.trace.find((f) => f.name === 'INLINE_3D')!.value, 112);
    assert.equal(m.trace.find((f) => f.name === 'CROSSLINE_3D')!.value, 880);
    assert.match(m.traceTitle, /inline 112, crossline 880 \(trace 24 of 414\)/);
  });

  it('palette edits come back as palette messages; openAsText and reportError reach the host', async () => {
    const h = harness(doc);
    await h.session.handle({ type: 'paletteEdit', edit: { op: 'add', name: 'Salt', color: '#AABBCC' } });
    const p = h.posted[0]!;
    assert.ok(p.type === 'palette');
    assert.deepEqual(p.palette.map((c) => c.name), ['Class 0', 'Class 1', 'Salt']);
    await h.session.handle({ type: 'paletteEdit', edit: { op: 'rename', id: 9, name: 'x' } });
    assert.equal(h.posted[1]!.type, 'palette');
    assert.equal(h.posted[2]!.type, 'error');
    await h.session.handle({ type: 'openAsText' });
    await h.session.handle({ type: 'reportError', message: 'canvas too large' });
    assert.equal(h.openedAsText(), 1);
    assert.deepEqual(h.errors, ['SeisGrow: canvas too large']);
  });
});

describe('EditorSession on an unreadable file', () => {
  it('answers ready with the reader\'s error (and its code) so the webview can offer "open as text"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seisgrow-session-'));
    try {
      writeFileSync(join(dir, 'broken.sgy'), 'this is not a SEG-Y file');
      const doc = await SeisGrowDocumentModel.open(join(dir, 'broken.sgy'), { openVolume: (p) => openVolume(p) });
      const h = harness(doc);
      await h.session.handle({ type: 'ready', protocolVersion: 1 });
      const init = h.posted[0]!;
      assert.ok(init.type === 'init' && !init.ok);
      assert.equal(init.fileName, 'broken.sgy');
      assert.match(init.message, /broken\.sgy/);
      assert.ok(init.code);
      await h.session.handle({ type: 'requestSection', requestId: 1, axis: 'inline', index: 0 });
      assert.equal(h.posted[1]!.type, 'error');
      await doc.dispose();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('editor webview page', () => {
  it('has a nonce-only script CSP, no remote sources, and loads only the given URIs', () => {
    const html = editorHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', styleUri: 'https://x.vscode-cdn.net/media/editor.css', title: 'a<b' }, 'NONCE123');
    assert.match(html, /script-src 'nonce-NONCE123'/);
    assert.match(html, /<script nonce="NONCE123" src="https:\/\/x\.vscode-cdn\.net\/dist\/webview\.js">/);
    assert.match(html, /<title>a&lt;b<\/title>/);
    assert.doesNotMatch(editorCsp('S', 'N'), /unsafe-eval|\*|http:/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });
});
