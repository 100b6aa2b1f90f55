// A stand-in for the extension host inside the test page: it provides acquireVsCodeApi(), records every message and
// setState, and answers the webview like src/editor would — sections from the test's HTTP server as transferred
// ArrayBuffers, strokes applied to its own label copies with an undo stack, palette edits, headers.
// Plain browser JS (not type-checked, not bundled): the page loads it before dist/webview.js.
(() => {
  const params = new URLSearchParams(location.search);
  const host = {
    /** Every message the webview posted, in order (ArrayBuffers kept as they came). */
    sent: [],
    /** Every state passed to setState. */
    states: [],
    /** Sections served, by key "axis:index": { rows, cols, labels: Uint8Array | null }. */
    labels: new Map(),
    undoStack: [],
    redoStack: [],
    palette: [],
    /** Extra latency for section replies (ms), to exercise the loading state. */
    delayMs: Number(params.get('delay') ?? 0),
    sectionRequests: 0,
    init: null,
    /** Refuse strokes (to test rollback). */
    refuseStrokes: false,
  };
  window.stubHost = host;

  const toWebview = (message, transfer) => window.postMessage(message, '*', transfer ?? []);

  async function handle(m) {
    switch (m.type) {
      case 'ready': {
        const init = await (await fetch('/api/init')).json();
        if (params.has('readonly') && init.ok) init.readOnly = true;
        host.init = init;
        if (init.ok) host.palette = init.palette.slice();
        toWebview(init);
        break;
      }
      case 'requestSection': {
        host.sectionRequests++;
        const r = await fetch(`/api/section?axis=${m.axis}&index=${m.index}`);
        if (!r.ok) { toWebview({ type: 'error', requestId: m.requestId, message: await r.text() }); break; }
        const rows = Number(r.headers.get('x-rows'));
        const cols = Number(r.headers.get('x-cols'));
        const body = await r.arrayBuffer();
        const n = rows * cols;
        const amplitudes = body.slice(0, n * 4);
        let offset = n * 4;
        const key = `${m.axis}:${m.index}`;
        let labels = host.labels.get(key)?.labels ?? null;
        if (!host.labels.has(key)) {
          if (r.headers.get('x-labels') === '1') { labels = new Uint8Array(body.slice(offset, offset + n)); offset += n; }
          host.labels.set(key, { rows, cols, labels });
        } else if (r.headers.get('x-labels') === '1') offset += n;
        const overlays = {};
        if (r.headers.get('x-prediction') === '1') { overlays.prediction = body.slice(offset, offset + n); offset += n; }
        if (r.headers.get('x-confidence') === '1') { overlays.confidence = body.slice(offset, offset + n * 4); offset += n * 4; }
        const labelsCopy = labels ? labels.slice().buffer : null;
        if (host.delayMs > 0) await new Promise((res) => setTimeout(res, host.delayMs));
        const message = { type: 'section', requestId: m.requestId, axis: m.axis, index: m.index, rows, cols, amplitudes, labels: labelsCopy, overlays };
        toWebview(message, [amplitudes, ...(labelsCopy ? [labelsCopy] : []), ...Object.values(overlays)]);
        break;
      }
      case 'stroke': {
        if (host.refuseStrokes) { toWebview({ type: 'strokeResult', strokeId: m.strokeId, accepted: false, message: 'refused by the test host' }); break; }
        const key = `${m.axis}:${m.index}`;
        let entry = host.labels.get(key);
        if (!entry) { entry = { rows: m.rows, cols: m.cols, labels: null }; host.labels.set(key, entry); }
        if (!entry.labels) entry.labels = new Uint8Array(m.rows * m.cols).fill(255);
        const pixels = m.pixels instanceof ArrayBuffer ? new Uint32Array(m.pixels) : Uint32Array.from(m.pixels);
        const old = new Uint8Array(pixels.length);
        for (let i = 0; i < pixels.length; i++) { old[i] = entry.labels[pixels[i]]; entry.labels[pixels[i]] = m.value; }
        host.undoStack.push({ key, axis: m.axis, index: m.index, pixels, old, value: m.value });
        host.redoStack = [];
        toWebview({ type: 'strokeResult', strokeId: m.strokeId, accepted: true });
        break;
      }
      case 'paletteEdit': {
        const e = m.edit;
        if (e.op === 'add') {
          let id = 0;
          while (host.palette.some((c) => c.id === id)) id++;
          host.palette.push({ id, name: e.name, color: e.color });
        } else if (e.op === 'rename') host.palette = host.palette.map((c) => (c.id === e.id ? { ...c, name: e.name } : c));
        else if (e.op === 'recolor') host.palette = host.palette.map((c) => (c.id === e.id ? { ...c, color: e.color } : c));
        else if (e.op === 'delete') host.palette = host.palette.filter((c) => c.id !== e.id);
        toWebview({ type: 'palette', palette: host.palette });
        break;
      }
      case 'requestHeaders': {
        const q = new URLSearchParams();
        if (m.inline !== undefined) q.set('inline', String(m.inline));
        if (m.crossline !== undefined) q.set('crossline', String(m.crossline));
        const r = await fetch(`/api/headers?${q}`);
        if (!r.ok) { toWebview({ type: 'error', requestId: m.requestId, message: await r.text() }); break; }
        toWebview({ type: 'headers', requestId: m.requestId, ...(await r.json()) });
        break;
      }
      default:
        break;
    }
  }

  /** Undo the last stroke as the document would, then tell the webview, like the real host after Ctrl+Z. */
  host.undo = () => {
    const edit = host.undoStack.pop();
    if (!edit) return false;
    const labels = host.labels.get(edit.key).labels;
    for (let i = 0; i < edit.pixels.length; i++) labels[edit.pixels[i]] = edit.old[i];
    host.redoStack.push(edit);
    toWebview({ type: 'labelsChanged', axis: edit.axis, index: edit.index });
    return true;
  };
  /** Redo the last undone stroke. */
  host.redo = () => {
    const edit = host.redoStack.pop();
    if (!edit) return false;
    const labels = host.labels.get(edit.key).labels;
    for (let i = 0; i < edit.pixels.length; i++) labels[edit.pixels[i]] = edit.value;
    host.undoStack.push(edit);
    toWebview({ type: 'labelsChanged', axis: edit.axis, index: edit.index });
    return true;
  };

  // Bridge mode (?bridge=1): the real host code runs in node; messages cross page.exposeFunction / page.evaluate as
  // JSON, with every ArrayBuffer carried as base64 and turned back into a (transferred) ArrayBuffer on arrival.
  const bridge = params.has('bridge');
  const encode = (v) => {
    if (v instanceof ArrayBuffer) {
      const bytes = new Uint8Array(v);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return { __arrayBuffer: btoa(s) };
    }
    if (Array.isArray(v)) return v.map(encode);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
    return v;
  };
  const decode = (v, transfer) => {
    if (v && typeof v === 'object' && typeof v.__arrayBuffer === 'string') {
      const s = atob(v.__arrayBuffer);
      const bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      transfer.push(bytes.buffer);
      return bytes.buffer;
    }
    if (Array.isArray(v)) return v.map((x) => decode(x, transfer));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x, transfer)]));
    return v;
  };
  /** Called by the test (page.evaluate) with a host message. */
  window.__fromHost = (encoded) => { const transfer = []; toWebview(decode(encoded, transfer), transfer); };

  let savedState = params.has('state') ? JSON.parse(params.get('state')) : undefined;
  window.acquireVsCodeApi = () => ({
    postMessage(message) {
      host.sent.push(message);
      if (bridge) window.__toHost(encode(message));
      else handle(message).catch((e) => console.error('stub host:', e));
    },
    getState() { return savedState; },
    setState(state) { savedState = state; host.states.push(JSON.parse(JSON.stringify(state))); },
  });
})();
