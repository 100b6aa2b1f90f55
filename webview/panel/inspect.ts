// The inspect view: a trained section five ways — seed labels, grown labels, prediction, confidence, and where the
// prediction disagrees with the labels — each over the seismic in grey, at the section's own pixel resolution.
import type { FromInspectMessage, InspectSectionEntry, ToInspectMessage } from '../../src/shared/panelProtocol';
import type { VsCodeApi } from './vscodeApi';

type SectionMessage = Extract<ToInspectMessage, { type: 'inspectSection' }>;

function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [136, 136, 136];
}

/** Grey levels of the seismic, clipped at the 99th percentile of |amplitude| (sampled) so a few spikes do not wash it out. */
function greyLevels(seismic: Float32Array): Uint8Array {
  const step = Math.max(1, Math.floor(seismic.length / 20000));
  const sample: number[] = [];
  for (let i = 0; i < seismic.length; i += step) sample.push(Math.abs(seismic[i]));
  sample.sort((a, b) => a - b);
  const clip = sample[Math.floor(0.99 * (sample.length - 1))] || 1;
  const out = new Uint8Array(seismic.length);
  for (let i = 0; i < seismic.length; i++) out[i] = Math.round(127.5 + 127.5 * Math.max(-1, Math.min(1, seismic[i] / clip)));
  return out;
}

/** Start the inspect view in `root`. */
export function startInspect(vscode: VsCodeApi, root: HTMLElement): void {
  let classColors: [number, number, number][] = [];
  let classNames: readonly string[] = [];
  let sections: readonly InspectSectionEntry[] = [];
  const post = (m: FromInspectMessage): void => vscode.postMessage(m);

  root.replaceChildren();
  const header = document.createElement('section');
  const title = document.createElement('h3');
  title.id = 'inspect-title';
  const select = document.createElement('select');
  select.id = 'inspect-section';
  select.addEventListener('change', () => post({ type: 'select', k: Number(select.value) }));
  const stats = document.createElement('div');
  stats.id = 'inspect-stats';
  stats.className = 'facts';
  const legend = document.createElement('div');
  legend.id = 'inspect-legend';
  legend.className = 'facts';
  header.append(title, select, stats, legend);
  const grid = document.createElement('div');
  grid.id = 'inspect-grid';
  grid.className = 'inspect-grid';
  const error = document.createElement('div');
  error.className = 'message error';
  error.hidden = true;
  root.append(header, error, grid);

  const panes = ['seed labels', 'grown labels', 'prediction', 'confidence', 'difference'].map((name) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.dataset.layer = name.split(' ')[0];
    const caption = document.createElement('figcaption');
    caption.textContent = name;
    figure.append(canvas, caption);
    grid.append(figure);
    return { name, canvas, caption };
  });

  function draw(m: SectionMessage): void {
    const n = m.rows * m.cols;
    const seismic = new Float32Array(m.seismic);
    const seeds = new Uint8Array(m.seeds);
    const grown = m.grown ? new Uint8Array(m.grown) : null;
    const prediction = m.prediction ? new Uint8Array(m.prediction) : null;
    const confidence = m.confidence ? new Float32Array(m.confidence) : null;
    if (seismic.length !== n || seeds.length !== n || (grown && grown.length !== n) || (prediction && prediction.length !== n) || (confidence && confidence.length !== n)) {
      error.textContent = `section ${m.title}: arrays do not match ${m.rows}×${m.cols}`;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    title.textContent = `${m.title} — ${m.rows} × ${m.cols}`;
    select.value = String(m.k);
    const grey = greyLevels(seismic);
    let seedCount = 0, grownCount = 0, agree = 0, disagree = 0;
    const paint = (canvas: HTMLCanvasElement, colour: (p: number) => [number, number, number, number] | null): void => {
      canvas.width = m.cols;
      canvas.height = m.rows;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const img = ctx.createImageData(m.cols, m.rows);
      for (let p = 0; p < n; p++) {
        const g = grey[p];
        const c = colour(p);
        const o = 4 * p;
        if (c) {
          const a = c[3];
          img.data[o] = Math.round(a * c[0] + (1 - a) * g);
          img.data[o + 1] = Math.round(a * c[1] + (1 - a) * g);
          img.data[o + 2] = Math.round(a * c[2] + (1 - a) * g);
        } else {
          img.data[o] = g; img.data[o + 1] = g; img.data[o + 2] = g;
        }
        img.data[o + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    };
    const cls = (v: number, alpha: number): [number, number, number, number] | null => (v === 255 ? null : [...(classColors[v] ?? [136, 136, 136]), alpha]);
    paint(panes[0].canvas, (p) => { if (seeds[p] !== 255) seedCount++; return cls(seeds[p], 0.85); });
    paint(panes[1].canvas, (p) => {
      if (grown && grown[p] !== 255) { grownCount++; return cls(grown[p], 0.75); }
      return seeds[p] !== 255 ? cls(seeds[p], 0.3) : null;
    });
    paint(panes[2].canvas, (p) => (prediction ? cls(prediction[p], 0.55) : null));
    // Confidence: dark red (unsure) → yellow → white (sure).
    paint(panes[3].canvas, (p) => {
      if (!confidence) return null;
      const c = Math.max(0, Math.min(1, confidence[p]));
      return [255, Math.round(255 * Math.min(1, c * 1.4)), Math.round(255 * Math.max(0, c * 2 - 1)), 0.7];
    });
    // Difference: where a label (seed or grown) exists, green when the prediction agrees, red when it does not.
    paint(panes[4].canvas, (p) => {
      const label = seeds[p] !== 255 ? seeds[p] : grown && grown[p] !== 255 ? grown[p] : 255;
      if (label === 255 || !prediction) return null;
      if (prediction[p] === label) { agree++; return [40, 200, 90, 0.7]; }
      disagree++;
      return [235, 50, 50, 0.85];
    });
    panes[1].caption.textContent = grown ? `grown labels (+${grownCount.toLocaleString('en-US')} px)` : 'grown labels (none: stage 3 has not run)';
    panes[4].caption.textContent = prediction ? `difference: ${disagree.toLocaleString('en-US')} of ${(agree + disagree).toLocaleString('en-US')} labelled px disagree` : 'difference (no prediction)';
    stats.replaceChildren();
    for (const [k, v, id] of [['seed px', seedCount, 'inspect-seeds'], ['grown px', grownCount, 'inspect-grown'], ['agree', agree, 'inspect-agree'], ['disagree', disagree, 'inspect-disagree']] as const) {
      const span = document.createElement('span');
      span.className = 'fact';
      span.id = id;
      const kk = document.createElement('span'); kk.className = 'k'; kk.textContent = k;
      const vv = document.createElement('span'); vv.className = 'v'; vv.textContent = v.toLocaleString('en-US');
      span.append(kk, vv);
      stats.append(span);
    }
  }

  window.addEventListener('message', (event: MessageEvent) => {
    const m = event.data as ToInspectMessage | undefined;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'inspectInit' && Array.isArray(m.sections) && Array.isArray(m.classColors)) {
      classColors = m.classColors.map(hexToRgb);
      classNames = m.classNames;
      sections = m.sections;
      select.replaceChildren(...sections.map((s) => { const o = document.createElement('option'); o.value = String(s.k); o.textContent = s.title; return o; }));
      select.value = String(m.current);
      legend.replaceChildren(...classNames.map((name, c) => {
        const span = document.createElement('span');
        span.className = 'fact';
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = m.classColors[c] ?? '#888888';
        span.append(sw, document.createTextNode(name));
        return span;
      }));
    } else if (m.type === 'inspectSection' && m.seismic instanceof ArrayBuffer && m.seeds instanceof ArrayBuffer && Number.isInteger(m.rows) && Number.isInteger(m.cols)) {
      draw(m);
    } else if (m.type === 'inspectError' && typeof m.message === 'string') {
      error.textContent = m.message;
      error.hidden = false;
    }
  });
  post({ type: 'ready' });
}
