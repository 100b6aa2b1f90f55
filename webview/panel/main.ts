// Training side panel (browser, iife). Renders the PanelState the host sends: loss curves, IoU, growth, grown labels.
// Knows nothing of Node or the engine; every host message is checked before use.
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { lossSeriesLabel, type EpochRow, type FromPanelMessage, type GrowthRow, type PanelComparison, type PanelRun, type PanelState, type ToPanelMessage } from '../../src/shared/panelProtocol';
import { drawIouBars } from './bars';
import { hashedColor, lossSeriesColor, lossSeriesIds } from './series';
import { startInspect } from './inspect';
import type { VsCodeApi } from './vscodeApi';

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

/** The nonce of our own script tag: the uPlot stylesheet is injected under the same CSP nonce. */
function injectUplotStyles(): void {
  const script = document.querySelector('script[nonce]') as HTMLScriptElement | null;
  const style = document.createElement('style');
  if (script?.nonce) style.nonce = script.nonce;
  style.textContent = uplotCss;
  document.head.appendChild(style);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function formatIou(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** A uPlot chart that is rebuilt only when its series change, and otherwise just gets new data. */
class LineChart {
  private plot: uPlot | null = null;
  private key = '';
  constructor(private readonly host: HTMLElement, private readonly xLabel: string, private readonly yLabel: string,
    private readonly logY: boolean, private readonly markers: () => { x: number; label: string }[]) {}

  update(names: readonly string[], colors: readonly string[], data: uPlot.AlignedData): void {
    const width = Math.max(200, this.host.clientWidth || 300);
    const key = `${names.join('|')}#${colors.join('|')}#${width}`;
    if (key !== this.key || !this.plot) {
      this.plot?.destroy();
      this.host.replaceChildren();
      const fg = themeColor('--vscode-foreground', '#cccccc');
      const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
      const axis = (label: string, integer: boolean): uPlot.Axis => ({
        label, stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px sans-serif', labelFont: '11px sans-serif',
        labelSize: 18, size: 36,
        // Epochs and iterations are whole numbers: never label 1.5.
        ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
      });
      const markers = this.markers;
      this.plot = new uPlot({
        width, height: 180,
        scales: { x: { time: false }, y: this.logY ? { distr: 3 } : {} },
        axes: [axis(this.xLabel, true), axis(this.yLabel, false)],
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        series: [{ label: this.xLabel }, ...names.map((n, i) => ({ label: n, stroke: colors[i], width: 1.5, points: { show: true, size: 4 } }))],
        hooks: {
          draw: [(u: uPlot) => {
            // Stage boundaries: a dashed line where each stage starts, so curves read "per stage".
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = grid; ctx.fillStyle = fg; ctx.setLineDash([4, 4]);
            ctx.font = `${10 * devicePixelRatio}px sans-serif`;
            for (const m of markers()) {
              const x = Math.round(u.valToPos(m.x, 'x', true));
              ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
              ctx.fillText(m.label, x + 3 * devicePixelRatio, u.bbox.top + 11 * devicePixelRatio);
            }
            ctx.restore();
          }],
        },
      }, data, this.host);
      this.key = key;
    } else {
      this.plot.setData(data);
    }
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = null;
    this.key = '';
    this.host.replaceChildren();
  }
}

const root = document.getElementById('root') as HTMLElement;
let current: PanelState = { run: null, comparison: null };
let lossChart: LineChart | null = null;
let growthChart: LineChart | null = null;
let stageMarkers: { x: number; label: string }[] = [];

function post(message: FromPanelMessage): void { vscode.postMessage(message); }

function startPanel(): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const msg = event.data as ToPanelMessage | undefined;
    if (!msg || typeof msg !== 'object' || msg.type !== 'state' || !isPanelState(msg.state)) return;
    render(msg.state);
  });
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => render(current), 100);
  });
  skeleton();
  const saved = vscode.getState();
  render(isPanelState(saved) ? saved : current);
  post({ type: 'ready' });
}

function button(label: string, message: FromPanelMessage, id: string, secondary = false): HTMLButtonElement {
  const b = el('button', { id, class: secondary ? 'secondary' : '' }, label);
  b.addEventListener('click', () => post(message));
  return b;
}

/** Build the static skeleton once; render() fills it. */
function skeleton(): void {
  root.replaceChildren();
  const header = el('section', { id: 'header' });
  header.append(
    el('div', { id: 'title', class: 'title' }),
    el('div', { id: 'facts', class: 'facts' }),
    el('div', { class: 'progress' }, ''),
    el('div', { id: 'message', class: 'message' }),
    el('ul', { id: 'notes', class: 'notes' }),
  );
  (header.querySelector('.progress') as HTMLElement).append(el('div', { id: 'progress-bar', class: 'bar' }));
  const actions = el('div', { id: 'run-actions', class: 'actions' });
  actions.append(button('Stop', { type: 'stop' }, 'stop', true));
  header.append(actions);

  const losses = el('section', { id: 'losses' });
  losses.append(el('h3', {}, 'Loss'), el('div', { id: 'loss-chart', class: 'chart' }));

  const iou = el('section', { id: 'iou' });
  iou.append(el('h3', { id: 'iou-heading' }, 'IoU on validation pixels'), el('canvas', { id: 'iou-bars', height: '120' }), el('table', { id: 'iou-table' }));

  const growth = el('section', { id: 'growth' });
  growth.append(el('h3', {}, 'Region growing'), el('div', { id: 'growth-chart', class: 'chart' }), el('table', { id: 'growth-table' }));

  const grown = el('section', { id: 'grown' });
  const grownActions = el('div', { class: 'actions' });
  grownActions.append(button('Inspect', { type: 'inspect' }, 'inspect'), button('Accept grown labels', { type: 'accept' }, 'accept'), button('Discard', { type: 'discard' }, 'discard', true));
  grown.append(el('h3', {}, 'Grown labels'), el('div', { id: 'grown-summary' }), grownActions);

  const compare = el('section', { id: 'compare' });
  const closeCompare = button('Close', { type: 'closeComparison' }, 'close-compare', true);
  compare.append(el('h3', {}, 'Compare runs'), el('table', { id: 'compare-table' }), closeCompare);

  const empty = el('section', { id: 'empty' });
  empty.append(el('p', {}, 'No training run yet.'), el('p', {}, 'Open a SEG-Y or NPY volume, paint a few labels, then run "SeisGrow: Train Stage 1 (Supervised)" or "SeisGrow: Run All Stages" from the command palette. Finished runs are listed below under Runs.'));

  root.append(empty, header, losses, iou, growth, grown, compare);
  lossChart = new LineChart(document.getElementById('loss-chart') as HTMLElement, 'epoch', 'loss', true, () => stageMarkers);
  growthChart = new LineChart(document.getElementById('growth-chart') as HTMLElement, 'iteration', 'pixels added', false, () => []);
}

function show(id: string, visible: boolean): void {
  (document.getElementById(id) as HTMLElement).hidden = !visible;
}

function renderHeader(run: PanelRun): void {
  (document.getElementById('title') as HTMLElement).textContent = run.title;
  const facts = document.getElementById('facts') as HTMLElement;
  facts.replaceChildren();
  const fact = (k: string, v: string, id: string): void => {
    const span = el('span', { class: 'fact', id });
    span.append(el('span', { class: 'k' }, k), el('span', { class: 'v' }, v));
    facts.append(span);
  };
  fact('status', run.status, 'fact-status');
  fact('backend', run.backend ?? '–', 'fact-backend');
  const stage = run.stage === null ? '–' : `${run.stage}${run.epoch !== null ? ` · epoch ${run.epoch}${run.stageEpochs ? `/${run.stageEpochs}` : ''}` : ''}`;
  fact('stage', stage, 'fact-stage');
  fact('speed', run.secondsPerEpoch === null ? '–' : `${formatSeconds(run.secondsPerEpoch)}/epoch`, 'fact-speed');
  fact('ETA', run.status === 'running' ? formatSeconds(run.etaSeconds) : '–', 'fact-eta');
  (document.getElementById('progress-bar') as HTMLElement).style.width = `${Math.round(Math.max(0, Math.min(1, run.stageFraction)) * 100)}%`;
  const message = document.getElementById('message') as HTMLElement;
  message.textContent = run.message ?? '';
  message.hidden = !run.message;
  message.className = run.status === 'failed' ? 'message error' : 'message';
  const notes = document.getElementById('notes') as HTMLElement;
  const lines = Array.isArray(run.notes) ? run.notes.filter((n): n is string => typeof n === 'string') : [];
  notes.replaceChildren(...lines.map((n) => el('li', {}, n)));
  notes.hidden = lines.length === 0;
  show('run-actions', run.status === 'running');
}

function renderLosses(run: PanelRun): void {
  const ids = lossSeriesIds(run.epochs);
  show('losses', ids.length > 0);
  if (ids.length === 0) { lossChart?.clear(); return; }
  stageMarkers = [];
  let lastStage = -1;
  for (const row of run.epochs) {
    if (row.stage !== lastStage) { stageMarkers.push({ x: row.index + 1, label: `stage ${row.stage}` }); lastStage = row.stage; }
  }
  const xs = run.epochs.map((r) => r.index + 1);
  // Log scale needs positive values; a missing or non-positive loss is a gap, not a fake number.
  const ys = ids.map((id) => run.epochs.map((r) => { const v = r.losses[id]; return v !== undefined && Number.isFinite(v) && v > 0 ? v : null; }));
  lossChart?.update(ids.map(lossSeriesLabel), ids.map(lossSeriesColor), [xs, ...ys] as uPlot.AlignedData);
}

function latestWithIou(epochs: readonly EpochRow[]): EpochRow | null {
  for (let i = epochs.length - 1; i >= 0; i--) if (epochs[i].iou.length > 0) return epochs[i];
  return null;
}

function renderIou(run: PanelRun): void {
  const row = latestWithIou(run.epochs);
  show('iou', row !== null);
  if (!row) return;
  (document.getElementById('iou-heading') as HTMLElement).textContent = `IoU on validation pixels — stage ${row.stage}, epoch ${row.epoch}`;
  const table = document.getElementById('iou-table') as HTMLTableElement;
  table.replaceChildren();
  const head = el('tr');
  head.append(el('th', {}, 'class'), el('th', {}, 'IoU'), el('th', {}, 'Δ'));
  table.append(head);
  const previous = run.epochs.length > 1 ? run.epochs[run.epochs.indexOf(row) - 1] ?? null : null;
  row.iou.forEach((v, c) => {
    const tr = el('tr', { 'data-class': String(c) });
    const name = el('td', { class: 'class-name' });
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = run.classColors[c] ?? hashedColor(`class ${c}`);
    name.append(swatch, document.createTextNode(run.classNames[c] ?? `class ${c}`));
    const prev = previous?.iou[c];
    const delta = v !== null && prev !== null && prev !== undefined ? v - prev : null;
    tr.append(name, el('td', { class: 'num iou-value' }, formatIou(v)), el('td', { class: `num delta ${delta === null ? '' : delta >= 0 ? 'up' : 'down'}` }, delta === null ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(3)}`));
    table.append(tr);
  });
  const foot = el('tr', { class: 'mean' });
  foot.append(el('td', {}, 'mean IoU'), el('td', { class: 'num', id: 'miou-value' }, formatIou(row.miou)), el('td'));
  table.append(foot);
  const canvas = document.getElementById('iou-bars') as HTMLCanvasElement;
  drawIouBars(canvas, row.iou, run.classNames, run.classColors, themeColor('--vscode-foreground', '#cccccc'), themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'));
}

function latestGrowthRound(growth: readonly GrowthRow[]): GrowthRow[] {
  if (growth.length === 0) return [];
  const last = growth[growth.length - 1];
  return growth.filter((g) => g.stage === last.stage && g.epoch === last.epoch);
}

function renderGrowth(run: PanelRun): void {
  const round = latestGrowthRound(run.growth);
  show('growth', round.length > 0);
  if (round.length === 0) { growthChart?.clear(); return; }
  const classes = Math.max(...round.map((g) => g.added.length));
  const names = Array.from({ length: classes }, (_, c) => run.classNames[c] ?? `class ${c}`);
  const colors = Array.from({ length: classes }, (_, c) => run.classColors[c] ?? hashedColor(`class ${c}`));
  growthChart?.update(names, colors, [round.map((g) => g.iteration), ...names.map((_, c) => round.map((g) => g.added[c] ?? 0))] as uPlot.AlignedData);
  const table = document.getElementById('growth-table') as HTMLTableElement;
  table.replaceChildren();
  const head = el('tr');
  const thresholds = round[0].thresholds;
  head.append(el('th', {}, 'class'), el('th', {}, 'pixels grown'), ...(thresholds ? [el('th', { title: 'the confidence a pixel of this class needed to grow (class-adaptive)' }, 'threshold')] : []));
  table.append(head);
  const rounds = new Set(run.growth.map((g) => `${g.stage}:${g.epoch}`)).size;
  for (let c = 0; c < classes; c++) {
    const total = round.reduce((s, g) => s + (g.added[c] ?? 0), 0);
    const tr = el('tr');
    tr.append(el('td', {}, names[c]), el('td', { class: 'num' }, total.toLocaleString('en-US')));
    if (thresholds) tr.append(el('td', { class: 'num' }, thresholds[c] === undefined ? '—' : thresholds[c].toFixed(2)));
    table.append(tr);
  }
  const caption = el('caption', {}, `last round: stage ${round[0].stage}, epoch ${round[0].epoch}, ${round.length} iteration${round.length === 1 ? '' : 's'} (${rounds} round${rounds === 1 ? '' : 's'} in all)`);
  table.prepend(caption);
}

function renderGrown(run: PanelRun): void {
  show('grown', run.grown !== null);
  if (!run.grown) return;
  const g = run.grown;
  const what = `${g.addedPixels.toLocaleString('en-US')} pixels grown beyond the seed labels on ${g.sections} section${g.sections === 1 ? '' : 's'}`;
  const decision = g.decision === 'accepted' ? ' — accepted into the label file (undo with Ctrl+Z in the editor)' : g.decision === 'discarded' ? ' — discarded' : '';
  (document.getElementById('grown-summary') as HTMLElement).textContent = what + decision;
  for (const id of ['accept', 'discard']) (document.getElementById(id) as HTMLButtonElement).disabled = g.decision !== 'pending' || run.status === 'running';
}

function renderComparison(comparison: PanelComparison | null): void {
  show('compare', comparison !== null);
  if (!comparison) return;
  const table = document.getElementById('compare-table') as HTMLTableElement;
  table.replaceChildren();
  const head = el('tr');
  head.append(el('th', {}, 'class'), ...comparison.runs.map((r) => el('th', {}, r.title)));
  if (comparison.runs.length === 2) head.append(el('th', {}, 'Δ'));
  table.append(head);
  const classes = Math.max(comparison.classNames.length, ...comparison.runs.map((r) => r.iou.length));
  const addRow = (label: string, values: (number | null)[], cls = ''): void => {
    const tr = el('tr', { class: cls });
    tr.append(el('td', {}, label), ...values.map((v) => el('td', { class: 'num' }, formatIou(v))));
    if (values.length === 2) {
      const [a, b] = values;
      const d = a !== null && b !== null ? b - a : null;
      tr.append(el('td', { class: `num delta ${d === null ? '' : d >= 0 ? 'up' : 'down'}` }, d === null ? '' : `${d >= 0 ? '+' : ''}${d.toFixed(3)}`));
    }
    table.append(tr);
  };
  for (let c = 0; c < classes; c++) addRow(comparison.classNames[c] ?? `class ${c}`, comparison.runs.map((r) => r.iou[c] ?? null));
  addRow('mean IoU', comparison.runs.map((r) => r.miou), 'mean');
}

function render(state: PanelState): void {
  current = state;
  vscode.setState(state);
  const run = state.run;
  show('empty', run === null && state.comparison === null);
  for (const id of ['header', 'losses', 'iou', 'growth', 'grown']) if (!run) show(id, false);
  if (run) {
    show('header', true);
    renderHeader(run);
    renderLosses(run);
    renderIou(run);
    renderGrowth(run);
    renderGrown(run);
  }
  renderComparison(state.comparison);
}

/** A host message is trusted only after its shape checks out (the host is ours, but the channel is a string bus). */
function isPanelState(value: unknown): value is PanelState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as { run?: unknown; comparison?: unknown };
  const runOk = s.run === null || (typeof s.run === 'object' && s.run !== null && Array.isArray((s.run as PanelRun).epochs) && Array.isArray((s.run as PanelRun).growth) && Array.isArray((s.run as PanelRun).classNames));
  const cmpOk = s.comparison === null || (typeof s.comparison === 'object' && s.comparison !== null && Array.isArray((s.comparison as PanelComparison).runs));
  return runOk && cmpOk;
}

injectUplotStyles();
if (document.body.dataset.view === 'inspect') startInspect(vscode, root);
else startPanel();
