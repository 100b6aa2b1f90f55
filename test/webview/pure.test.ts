// Node-side tests of the webview's pure parts: the protocol validator, colormap LUTs, pixel kernels, painting and the
// section store. The browser tests (editor.test.ts) check the same behaviour end to end on canvas pixels.
import * as assert from 'node:assert/strict';
import {
  EDITOR_PROTOCOL_VERSION, MAX_STROKE_PIXELS, MAX_STROKE_PIXELS_AS_ARRAY, UNLABELLED, isFromWebviewMessage,
  isStrokeWithinSection, isValidSectionIndex, sectionDimensions, type SectionMessage, type StrokeMessage,
} from '../../src/shared/editorProtocol';
import { colormapLut, packRGBA, unpackRGBA, COLORMAP_IDS } from '../../webview/src/colormaps';
import { classColorTable, displayRange, renderAmplitudes, renderClassLayers, sectionPercentiles } from '../../webview/src/render';
import { StrokeBuilder } from '../../webview/src/paint';
import { SectionStore, SupersededError } from '../../webview/src/sectionStore';
import { niceStep, ticks } from '../../webview/src/ticks';

const volume = { shape: [4, 6, 10] as const, inlines: [100, 102, 104, 106], crosslines: [20, 21, 22, 23, 24, 25] };

function stroke(over: Partial<StrokeMessage> = {}): StrokeMessage {
  return { type: 'stroke', strokeId: 1, axis: 'inline', index: 102, rows: 10, cols: 6, pixels: new Uint32Array([0, 5, 59]).buffer, value: 3, tool: 'brush', ...over };
}

describe('editor protocol', () => {
  it('gives rows × cols per axis as src/io sections are laid out', () => {
    assert.deepEqual(sectionDimensions(volume.shape, 'inline'), { rows: 10, cols: 6 });
    assert.deepEqual(sectionDimensions(volume.shape, 'crossline'), { rows: 10, cols: 4 });
    assert.deepEqual(sectionDimensions(volume.shape, 'sample'), { rows: 4, cols: 6 });
  });

  it('knows which line numbers and sample indices exist', () => {
    assert.equal(isValidSectionIndex(volume, 'inline', 104), true);
    assert.equal(isValidSectionIndex(volume, 'inline', 103), false);
    assert.equal(isValidSectionIndex(volume, 'crossline', 25), true);
    assert.equal(isValidSectionIndex(volume, 'crossline', 26), false);
    assert.equal(isValidSectionIndex(volume, 'sample', 9), true);
    assert.equal(isValidSectionIndex(volume, 'sample', 10), false);
    assert.equal(isValidSectionIndex(volume, 'sample', 1.5), false);
  });

  it('accepts well-formed webview messages', () => {
    assert.ok(isFromWebviewMessage({ type: 'ready', protocolVersion: EDITOR_PROTOCOL_VERSION }));
    assert.ok(isFromWebviewMessage({ type: 'requestSection', requestId: 7, axis: 'sample', index: 3 }));
    assert.ok(isFromWebviewMessage(stroke()));
    assert.ok(isFromWebviewMessage(stroke({ pixels: [1, 2, 3], value: UNLABELLED, tool: 'eraser' })));
    assert.ok(isFromWebviewMessage({ type: 'paletteEdit', edit: { op: 'add', name: 'Salt', color: '#ff00aa' } }));
    assert.ok(isFromWebviewMessage({ type: 'paletteEdit', edit: { op: 'delete', id: 254 } }));
    assert.ok(isFromWebviewMessage({ type: 'requestHeaders', requestId: 1, inline: 3 }));
    assert.ok(isFromWebviewMessage({ type: 'openAsText' }));
  });

  it('refuses malformed, out-of-range and oversized messages', () => {
    const bad: unknown[] = [
      null, 42, 'ready', [], { type: 'nope' }, { type: 'ready' },
      { type: 'requestSection', requestId: -1, axis: 'inline', index: 1 },
      { type: 'requestSection', requestId: 1, axis: 'diagonal', index: 1 },
      { type: 'requestSection', requestId: 1, axis: 'inline', index: 1.5 },
      stroke({ value: 256 }), stroke({ value: -1 }), stroke({ tool: 'spray' as never }),
      stroke({ pixels: new ArrayBuffer(7) }),
      stroke({ pixels: [0, 60] }), stroke({ pixels: [0.5] }), stroke({ pixels: 'abc' as never }),
      stroke({ pixels: new Array(MAX_STROKE_PIXELS_AS_ARRAY + 1).fill(0) }),
      stroke({ rows: 0 }), stroke({ cols: 2 ** 40 }),
      { type: 'paletteEdit', edit: { op: 'add', name: '', color: '#ff00aa' } },
      { type: 'paletteEdit', edit: { op: 'add', name: 'x'.repeat(65), color: '#ff00aa' } },
      { type: 'paletteEdit', edit: { op: 'add', name: 'bell\u0007', color: '#ff00aa' } },
      { type: 'paletteEdit', edit: { op: 'recolor', id: 1, color: 'red' } },
      { type: 'paletteEdit', edit: { op: 'rename', id: 255, name: 'x' } },
      { type: 'paletteEdit', edit: { op: 'explode', id: 1 } },
      { type: 'requestHeaders', requestId: 1, inline: 'x' },
    ];
    for (const m of bad) assert.equal(isFromWebviewMessage(m), false, JSON.stringify(m, (_, v) => (v instanceof ArrayBuffer ? `ArrayBuffer(${v.byteLength})` : v)).slice(0, 120));
    // An ArrayBuffer stroke over the pixel limit is refused without reading it.
    assert.equal(isFromWebviewMessage(stroke({ pixels: new ArrayBuffer((MAX_STROKE_PIXELS + 1) * 4) })), false);
  });

  it('checks a stroke against the volume: index, section shape, pixel range', () => {
    assert.ok(isStrokeWithinSection(stroke(), volume));
    assert.equal(isStrokeWithinSection(stroke({ index: 101 }), volume), false);
    assert.equal(isStrokeWithinSection(stroke({ rows: 6, cols: 10 }), volume), false);
    assert.equal(isStrokeWithinSection(stroke({ pixels: new Uint32Array([60]).buffer }), volume), false);
    assert.ok(isStrokeWithinSection(stroke({ axis: 'sample', index: 9, rows: 4, cols: 6, pixels: [23] }), volume));
  });
});

describe('colormaps and pixel kernels', () => {
  it('builds 256-entry opaque LUTs; grey is grey, seismic runs blue → white → red', () => {
    for (const id of COLORMAP_IDS) {
      const lut = colormapLut(id);
      assert.equal(lut.length, 256);
      for (const c of lut) assert.equal(unpackRGBA(c)[3], 255);
    }
    for (const c of colormapLut('grey')) { const [r, g, b] = unpackRGBA(c); assert.ok(r === g && g === b); }
    const s = colormapLut('seismic');
    const [r0, , b0] = unpackRGBA(s[60]!);
    const [rm, gm, bm] = unpackRGBA(s[128]!);
    const [r1, , b1] = unpackRGBA(s[195]!);
    assert.ok(b0 > 200 && r0 < 50, 'low amplitudes are blue');
    assert.ok(rm > 240 && gm > 240 && bm > 240, 'zero is white');
    assert.ok(r1 > 200 && b1 < 50, 'high amplitudes are red');
    assert.deepEqual(unpackRGBA(packRGBA(1, 2, 3, 4)), [1, 2, 3, 4]);
  });

  it('maps amplitudes through the LUT with clipping at both ends and NaN neutral', () => {
    const lut = colormapLut('grey');
    const out = new Uint32Array(5);
    renderAmplitudes(new Float32Array([-10, -1, 0, 1, NaN]), lut, { lo: -1, hi: 1 }, out);
    assert.equal(unpackRGBA(out[0]!)[0], 0);
    assert.equal(unpackRGBA(out[1]!)[0], 0);
    assert.ok(Math.abs(unpackRGBA(out[2]!)[0] - 127) <= 1);
    assert.equal(unpackRGBA(out[3]!)[0], 255);
    assert.ok(Math.abs(unpackRGBA(out[4]!)[0] - 127) <= 1);
  });

  it('takes the clip range from volume percentiles, falls back to the section, and narrows it with gain', () => {
    const stats = { min: -100, max: 120, mean: 0, std: 10, percentiles: { '1': -30, '99': 50, '0.5': -40, '99.5': 60 } };
    assert.deepEqual(displayRange(99, 1, stats, new Float32Array(0)), { lo: -30, hi: 50 });
    assert.deepEqual(displayRange(99, 2, stats, new Float32Array(0)), { lo: -10, hi: 30 });
    assert.deepEqual(displayRange(100, 1, stats, new Float32Array(0)), { lo: -100, hi: 120 });
    const ramp = Float32Array.from({ length: 1001 }, (_, i) => i);
    const r = displayRange(95, 1, null, ramp);
    assert.ok(Math.abs(r.lo - 50) < 1e-9 && Math.abs(r.hi - 950) < 1e-9, JSON.stringify(r));
    const q = sectionPercentiles(ramp, [50]);
    assert.equal(q['50'], 500);
    const flat = displayRange(99, 1, null, new Float32Array(10).fill(3));
    assert.ok(flat.hi > flat.lo, 'a constant section still gets a non-empty range');
  });

  it('draws seeds over grown over prediction, transparent where no layer applies, and redraws a rectangle only', () => {
    const table = classColorTable([{ id: 0, name: 'a', color: '#ff0000' }, { id: 1, name: 'b', color: '#00ff00' }, { id: 2, name: 'c', color: '#0000ff' }]);
    const seeds = new Uint8Array([0, 255, 255, 255]);
    const grown = new Uint8Array([1, 1, 255, 255]);
    const prediction = new Uint8Array([2, 2, 2, 255]);
    const out = new Uint32Array(4);
    renderClassLayers({ seeds, grown, prediction }, table, 2, out);
    assert.deepEqual(Array.from(out, (c) => unpackRGBA(c)), [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [0, 0, 0, 0]]);
    renderClassLayers({ seeds: null, grown: null, prediction: null }, table, 2, out, { x0: 0, y0: 1, x1: 1, y1: 2 });
    assert.equal(out[2], 0);
    assert.equal(unpackRGBA(out[0]!)[0], 255, 'outside the rectangle is untouched');
  });
});

describe('painting', () => {
  it('stamps a disc of the brush diameter and records only changed pixels', () => {
    const labels = new Uint8Array(21 * 21).fill(UNLABELLED);
    labels[10 * 21 + 10] = 4; // already the painted value: not part of the stroke
    const b = new StrokeBuilder(21, 21, labels, 4);
    b.addDisc(10.5, 10.5, 9);
    const area = Math.PI * 4.5 * 4.5;
    assert.ok(Math.abs(b.size + 1 - area) < area * 0.15, `disc of ${b.size + 1} pixels for area ${area.toFixed(1)}`);
    assert.ok(!b.pixels().includes(10 * 21 + 10));
    assert.deepEqual(b.bounds, { x0: 6, y0: 6, x1: 15, y1: 15 });
  });

  it('paints a connected thick segment and reverts exactly', () => {
    const labels = new Uint8Array(50 * 50).fill(UNLABELLED);
    labels[25 * 50 + 25] = 7;
    const before = labels.slice();
    const b = new StrokeBuilder(50, 50, labels, 2);
    b.addSegment(2, 2, 47, 40, 3);
    for (let t = 0; t <= 1; t += 0.01) {
      const x = Math.floor(2 + 45 * t); const y = Math.floor(2 + 38 * t);
      assert.equal(labels[y * 50 + x], 2, `gap at ${x},${y}`);
    }
    b.revert();
    assert.deepEqual(labels, before);
  });

  it('fills the region bounded by existing labels and nothing beyond it', () => {
    // A 20 × 20 section with a closed box of class 1 from (5,5) to (14,14).
    const n = 20;
    const labels = new Uint8Array(n * n).fill(UNLABELLED);
    for (let k = 5; k <= 14; k++) { labels[5 * n + k] = 1; labels[14 * n + k] = 1; labels[k * n + 5] = 1; labels[k * n + 14] = 1; }
    const inside = new StrokeBuilder(n, n, labels, 3);
    inside.fill(9, 9);
    assert.equal(inside.size, 8 * 8);
    assert.equal(labels[9 * n + 9], 3);
    assert.equal(labels[2 * n + 2], UNLABELLED);
    const outside = new StrokeBuilder(n, n, labels, 2);
    outside.fill(0, 0);
    assert.equal(outside.size, n * n - 10 * 10);
    assert.equal(labels[9 * n + 9], 3, 'the fill outside does not leak into the box');
    const again = new StrokeBuilder(n, n, labels, 3);
    again.fill(9, 9);
    assert.equal(again.size, 0, 'filling a region with its own class changes nothing');
  });
});

describe('section store', () => {
  function message(axis: 'inline', index: number, rows = 2, cols = 3): SectionMessage {
    return { type: 'section', requestId: 0, axis, index, rows, cols, amplitudes: new Float32Array(rows * cols).fill(index).buffer, labels: null };
  }

  it('fetches on demand, caches, and evicts least recently used sections beyond its byte budget', async () => {
    const fetched: number[] = [];
    const store = new SectionStore(async (axis, index) => { fetched.push(index); return message('inline', index); }, 3 * (24 + 6), 1);
    await store.load('inline', 1);
    await store.load('inline', 2);
    await store.load('inline', 1);
    await store.load('inline', 3);
    await store.load('inline', 4); // evicts 2, the least recently used
    assert.deepEqual(fetched, [1, 2, 3, 4]);
    assert.ok(store.has('inline', 1) && !store.has('inline', 2));
    const s = await store.load('inline', 4);
    assert.equal(s.amplitudes[0], 4);
  });

  it('serves the line on screen before prefetches and drops superseded display requests', async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const store = new SectionStore((axis, index) => new Promise((ok) => { started.push(index); release.push(() => ok(message('inline', index))); }), 1 << 20, 1);
    store.prefetch('inline', [11, 12]);
    const a = store.load('inline', 20);
    const b = store.load('inline', 21);
    await assert.rejects(a, SupersededError);
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [11, 21], 'the newest display request goes before the remaining prefetch');
    release.shift()!();
    assert.equal((await b).index, 21);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [11, 21, 12]);
    release.shift()!();
  });

  it('drops the sections that cross a changed one (other axes), keeping same-axis lines unless named', async () => {
    const store = new SectionStore(async (axis, index) => ({ ...message('inline', index), axis }));
    for (const [axis, index] of [['inline', 1], ['inline', 2], ['crossline', 7], ['sample', 3]] as const) await store.load(axis, index);
    store.invalidateCrossing('inline');
    assert.deepEqual([store.has('inline', 1), store.has('inline', 2), store.has('crossline', 7), store.has('sample', 3)], [true, true, false, false]);
    await store.load('crossline', 7);
    store.invalidateCrossing('inline', 2);
    assert.deepEqual([store.has('inline', 1), store.has('inline', 2), store.has('crossline', 7)], [true, false, false]);
  });

  it('refuses a section whose buffers do not match rows × cols', async () => {
    const store = new SectionStore(async () => ({ ...message('inline', 1), rows: 5 }));
    await assert.rejects(store.load('inline', 1), /amplitudes has 24 bytes, expected 60/);
  });

  it('does not cache a reply fetched before an invalidation', async () => {
    let release!: () => void;
    let calls = 0;
    const store = new SectionStore((axis, index) => { calls++; return new Promise((ok) => { release = () => ok(message('inline', index)); }); });
    const p = store.load('inline', 5);
    store.invalidate();
    release();
    await p;
    assert.equal(store.has('inline', 5), false);
    const q = store.load('inline', 5);
    release();
    await q;
    assert.equal(calls, 2);
  });
});

describe('axis ticks', () => {
  it('picks 1-2-5 steps and whole numbers for line axes', () => {
    assert.equal(niceStep(0.3), 0.5);
    assert.equal(niceStep(7), 10);
    assert.equal(niceStep(130), 200);
    const t = ticks((p) => 300 + p, 0, 950, 10, true);
    assert.deepEqual(t.map((x) => x.label).slice(0, 3), ['300', '400', '500']);
    assert.equal(t[1]!.pos, 100);
    const few = ticks((p) => 111 + p, 0, 3, 20, true);
    assert.ok(few.every((x) => Number.isInteger(Number(x.label))));
  });
});
