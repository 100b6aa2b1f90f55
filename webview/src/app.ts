// The editor webview's controller: builds the UI, owns view state, routes every host message through one handler,
// turns pointer gestures into strokes, and keeps the canvas in step with the section store.
import type {
  EditorAxis, EditorClass, EditorLayers, EditorVolume, InitOkMessage, SectionMessage, ToWebview, HeadersMessage,
  HeaderField, PaletteEdit, StrokeTool,
} from '../../src/shared/editorProtocol';
import {
  EDITOR_PROTOCOL_VERSION, MAX_CLASSES, UNLABELLED, axisIndices, indexOfLine, sectionDimensions,
} from '../../src/shared/editorProtocol';
import { COLORMAP_IDS, COLORMAP_NAMES, DEFAULT_CLASS_COLORS, colormapLut, isColormapId, type ColormapId } from './colormaps';
import type { HostChannel } from './host';
import { StrokeBuilder } from './paint';
import { CLIP_PERCENTS, classColorTable, displayRange } from './render';
import { SectionStore, SupersededError, type LoadedSection } from './sectionStore';
import { SectionView, type AxisScales } from './sectionView';
import { el, field, option, select, setButtonActive, textfield } from './dom';

/** Interaction tools; 'pan' is the hand tool, the others paint. */
type Tool = StrokeTool | 'pan';

/** View state persisted with setState (restored when the tab is re-shown or VS Code restarts). */
interface ViewState {
  axis: EditorAxis;
  positions: Partial<Record<EditorAxis, number>>;
  colormap: ColormapId;
  clip: number;
  gain: number;
  /** The user's vertical exaggeration; null: chosen so the section fills the view. */
  verticalExaggeration: number | null;
  opacity: number;
  show: { seeds: boolean; grown: boolean; prediction: boolean; confidence: boolean };
  tool: Tool;
  brush: number;
  activeClass: number;
}

const DEFAULT_STATE: ViewState = {
  axis: 'inline',
  positions: {},
  colormap: 'seismic',
  clip: 99,
  gain: 1,
  verticalExaggeration: null,
  opacity: 0.5,
  show: { seeds: true, grown: true, prediction: false, confidence: false },
  tool: 'brush',
  brush: 5,
  activeClass: 0,
};

/** Delay before a loading indicator appears, so cached and fast lines never flash it. */
const LOADING_DELAY_MS = 150;

const AXIS_NAMES: Record<EditorAxis, string> = { inline: 'Inline', crossline: 'Crossline', sample: 'Time slice' };

/** The editor webview application. */
export class EditorApp {
  private volume: EditorVolume | null = null;
  private palette: EditorClass[] = [];
  private classTable: Uint32Array = new Uint32Array(256);
  private layers: EditorLayers = { labels: false, grown: false, prediction: false, confidence: false };
  private readOnly = false;
  private state: ViewState;
  private store: SectionStore | null = null;
  private view: SectionView | null = null;
  private section: LoadedSection | null = null;
  private lastDirection = 1;
  private loadingTimer: number | undefined;
  private nextStrokeId = 1;
  private stroke: { builder: StrokeBuilder; section: LoadedSection; lastX: number; lastY: number; tool: StrokeTool } | null = null;
  private polyline: { x: number; y: number }[] = [];
  private pointer: { x: number; y: number } | null = null;
  private panning: { x: number; y: number; pointerId: number } | null = null;
  private spaceHeld = false;
  private headersLoading = false;
  private lastTrace: { inline: number; crossline: number } | undefined;
  private readonly pendingStrokes = new Map<number, { section: LoadedSection; builder: StrokeBuilder }>();

  // UI elements, created in buildUi().
  private ui!: {
    axis: HTMLElement & { value: string };
    slider: HTMLInputElement;
    number: HTMLElement & { value: string };
    position: HTMLElement;
    colormap: HTMLElement & { value: string };
    clip: HTMLElement & { value: string };
    gain: HTMLElement & { value: string };
    exaggeration: HTMLElement & { value: string };
    canvas: HTMLCanvasElement;
    loading: HTMLElement;
    readout: HTMLElement;
    message: HTMLElement;
    tools: Record<Tool, HTMLElement>;
    brush: HTMLInputElement;
    brushValue: HTMLElement;
    paletteList: HTMLElement;
    addClass: HTMLElement;
    show: Record<keyof ViewState['show'], HTMLElement & { checked: boolean }>;
    opacity: HTMLInputElement;
    headersPanel: HTMLElement;
  };

  constructor(private readonly host: HostChannel, private readonly root: HTMLElement) {
    const saved = host.getState<Partial<ViewState>>();
    this.state = { ...DEFAULT_STATE, ...(saved ?? {}), show: { ...DEFAULT_STATE.show, ...(saved?.show ?? {}) } };
    if (!isColormapId(this.state.colormap)) this.state.colormap = DEFAULT_STATE.colormap;
    // States saved before the automatic fill held `exaggeration: 1` by default: dropped, so they open filled.
    delete (this.state as Partial<Record<'exaggeration', unknown>>).exaggeration;
    const ve = this.state.verticalExaggeration;
    if (ve !== null && !(typeof ve === 'number' && ve > 0 && Number.isFinite(ve))) this.state.verticalExaggeration = null;
    host.onMessage((m) => this.handleMessage(m));
    root.textContent = 'Loading…';
    root.dataset.state = 'waiting';
    host.sendEvent({ type: 'ready', protocolVersion: EDITOR_PROTOCOL_VERSION });
  }

  /** THE handler for host messages that are not replies to a request. */
  private handleMessage(m: ToWebview): void {
    switch (m.type) {
      case 'init':
        if (m.ok) this.init(m); else this.showOpenError(m.fileName, m.message);
        break;
      case 'labelsChanged':
        this.onLabelsChanged(m.axis, m.index);
        break;
      case 'overlaysChanged':
        this.layers = m.layers;
        this.updateLayerToggles();
        this.store?.invalidate();
        void this.show(this.state.axis, this.currentIndex(), false);
        break;
      case 'palette':
        this.setPalette(m.palette);
        break;
      case 'strokeResult':
        this.onStrokeResult(m.strokeId, m.accepted, m.message);
        break;
      case 'readOnly':
        this.readOnly = m.readOnly;
        this.updateToolButtons();
        break;
      case 'error':
        this.flash(m.message, true);
        break;
      case 'section':
      case 'headers':
        // A reply whose request was already answered or abandoned: nothing waits for it.
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------------- setup

  private init(m: InitOkMessage): void {
    this.volume = m.volume;
    this.layers = m.layers;
    this.readOnly = m.readOnly;
    this.setPaletteData(m.palette);
    this.store = new SectionStore((axis, index) => this.host.sendRequest<SectionMessage>({ type: 'requestSection', axis, index }));
    if (m.volume.kind === '2d') this.state.axis = 'inline';
    if (m.initialView && !this.state.positions[m.initialView.axis]) {
      this.state.axis = m.initialView.axis;
      this.state.positions[m.initialView.axis] = m.initialView.index;
    }
    this.buildUi();
    this.view = new SectionView(this.ui.canvas);
    this.view.onAutoExaggeration = (ve) => this.showAutoExaggeration(ve);
    if (this.state.verticalExaggeration !== null) {
      this.view.autoExaggeration = false;
      this.view.exaggeration = this.state.verticalExaggeration;
    }
    this.view.overlayOpacity = this.state.opacity;
    this.view.showConfidence = this.state.show.confidence;
    this.view.decorate = (ctx) => this.decorate(ctx);
    this.installInput();
    this.root.dataset.state = 'ready';
    void this.show(this.state.axis, this.currentIndex(), false);
  }

  private showOpenError(fileName: string, message: string): void {
    this.root.textContent = '';
    this.root.dataset.state = 'error';
    const button = el('vscode-button', { id: 'open-as-text' }, ['Open as text']);
    button.addEventListener('click', () => this.host.sendEvent({ type: 'openAsText' }));
    this.root.append(el('div', { class: 'open-error' }, [
      el('h2', {}, [`SeisGrow cannot read ${fileName}`]),
      el('pre', { class: 'open-error-message' }, [message]),
      el('p', {}, ['The file is unchanged. You can open it with the text editor instead.']),
      button,
    ]));
  }

  private buildUi(): void {
    const v = this.volume!;
    this.root.textContent = '';
    const axis = select('axis', (['inline', 'crossline', 'sample'] as EditorAxis[])
      .filter((a) => v.kind === '3d' || a === 'inline')
      .map((a) => option(a, AXIS_NAMES[a])), this.state.axis);
    if (v.kind === '2d') axis.setAttribute('disabled', '');
    const slider = el('input', { id: 'line-slider', type: 'range', min: '0', step: '1', 'aria-label': 'line' }) as HTMLInputElement;
    const number = textfield('line-number', 'number', '', 'line number');
    const colormap = select('colormap', COLORMAP_IDS.map((id) => option(id, COLORMAP_NAMES[id])), this.state.colormap);
    const clip = select('clip', CLIP_PERCENTS.map((p) => option(String(p), p === 100 ? 'min–max' : `${p} %`)), String(this.state.clip));
    const gain = textfield('gain', 'number', String(this.state.gain), 'gain');
    gain.setAttribute('step', 'any');
    const exaggeration = textfield('exaggeration', 'number', this.state.verticalExaggeration === null ? '' : String(this.state.verticalExaggeration), 'vertical exaggeration');
    exaggeration.setAttribute('step', 'any');
    exaggeration.setAttribute('placeholder', 'fill');
    exaggeration.title = 'Vertical exaggeration; empty: stretch the section to fill the view';
    const reset = el('vscode-button', { id: 'reset-view', secondary: '', title: 'Fit the section to fill the view (0)' }, ['Fit']);
    const position = el('span', { class: 'position', id: 'position' });
    const toolbar = el('div', { class: 'toolbar' }, [
      field('View', axis), field('', slider), field('', number), position,
      field('Colormap', colormap), field('Clip', clip), field('Gain', gain), field('V. exag.', exaggeration), reset,
    ]);

    const canvas = el('canvas', { id: 'section-canvas', tabindex: '0' }) as HTMLCanvasElement;
    const loading = el('div', { class: 'loading', id: 'loading', hidden: '' }, ['Loading section…']);
    const message = el('div', { class: 'message', id: 'message', hidden: '' });
    const canvasWrap = el('div', { class: 'canvas-wrap' }, [canvas, loading, message]);

    const toolDefs: [Tool, string, string][] = [
      ['brush', 'Brush', 'B'], ['eraser', 'Eraser', 'E'], ['line', 'Line', 'L'], ['fill', 'Fill', 'F'], ['pan', 'Hand', 'H'],
    ];
    const tools = {} as Record<Tool, HTMLElement>;
    for (const [t, label, key] of toolDefs) {
      tools[t] = el('vscode-button', { id: `tool-${t}`, title: `${label} (${key})`, secondary: '' }, [label]);
      tools[t].addEventListener('click', () => this.setTool(t));
    }
    const brush = el('input', { id: 'brush-size', type: 'range', min: '1', max: '64', step: '1', value: String(this.state.brush), 'aria-label': 'brush size' }) as HTMLInputElement;
    const brushValue = el('span', { id: 'brush-size-value' }, [String(this.state.brush)]);
    const paletteList = el('div', { class: 'palette', id: 'palette' });
    const addClass = el('vscode-button', { id: 'add-class', secondary: '' }, ['Add class']);
    const showDefs: [keyof ViewState['show'], string][] = [
      ['seeds', 'Seed labels'], ['grown', 'Grown labels'], ['prediction', 'Prediction'], ['confidence', 'Confidence'],
    ];
    const show = {} as EditorApp['ui']['show'];
    for (const [k, label] of showDefs) {
      show[k] = el('vscode-checkbox', { id: `show-${k}`, label }) as HTMLElement & { checked: boolean };
      show[k].checked = this.state.show[k];
      show[k].addEventListener('change', () => { this.state.show[k] = show[k].checked; this.onLayersToggled(); });
    }
    const opacity = el('input', { id: 'overlay-opacity', type: 'range', min: '0', max: '1', step: '0.05', value: String(this.state.opacity), 'aria-label': 'overlay opacity' }) as HTMLInputElement;
    const side = el('aside', { class: 'side' }, [
      el('h3', {}, ['Tools']),
      el('div', { class: 'tools' }, Object.values(tools)),
      el('label', { class: 'row' }, ['Size ', brush, brushValue]),
      el('h3', {}, ['Classes']),
      paletteList,
      addClass,
      el('h3', {}, ['Layers']),
      ...Object.values(show),
      el('label', { class: 'row' }, ['Opacity ', opacity]),
    ]);
    const readout = el('div', { class: 'readout', id: 'readout' }, ['\u00a0']);
    const sectionPanel = el('div', { class: 'section-panel' }, [toolbar, el('div', { class: 'main' }, [canvasWrap, side]), readout]);

    const headersPanel = el('div', { class: 'headers', id: 'headers' }, ['Loading headers…']);
    const tabs = el('vscode-tabs', { id: 'tabs' }, [
      // vscode-tabs assigns its own ids to headers and panels, so they are found by data-tab.
      el('vscode-tab-header', { slot: 'header', 'data-tab': 'section' }, ['Section']),
      el('vscode-tab-panel', {}, [sectionPanel]),
      ...(v.hasHeaders ? [el('vscode-tab-header', { slot: 'header', 'data-tab': 'headers' }, ['Headers']), el('vscode-tab-panel', {}, [headersPanel])] : []),
    ]);
    tabs.addEventListener('vsc-tabs-select', (e) => {
      const index = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      if (index === 1) void this.loadHeaders();
    });
    this.root.append(tabs);

    this.ui = {
      axis, slider, number, position, colormap, clip, gain, exaggeration, canvas, loading, readout, message, tools, brush,
      brushValue, paletteList, addClass, show, opacity, headersPanel,
    };

    axis.addEventListener('change', () => { const a = axis.value as EditorAxis; void this.show(a, this.positionOf(a), false); });
    slider.addEventListener('input', () => {
      const lines = this.lines();
      void this.show(this.state.axis, lines[Number(slider.value)]!, true);
    });
    number.addEventListener('change', () => this.goToTyped(Number(number.value)));
    colormap.addEventListener('change', () => { if (isColormapId(colormap.value)) { this.state.colormap = colormap.value; this.renderBase(); } });
    clip.addEventListener('change', () => { this.state.clip = Number(clip.value); this.renderBase(); });
    gain.addEventListener('change', () => {
      const g = Number(gain.value);
      if (g > 0 && Number.isFinite(g)) { this.state.gain = g; this.renderBase(); } else gain.value = String(this.state.gain);
    });
    exaggeration.addEventListener('change', () => {
      if (exaggeration.value.trim() === '') { this.fitToFill(); return; }
      const ve = Number(exaggeration.value);
      if (ve > 0 && Number.isFinite(ve)) { this.state.verticalExaggeration = ve; this.view!.setExaggeration(ve); this.saveState(); } else exaggeration.value = this.state.verticalExaggeration === null ? '' : String(this.state.verticalExaggeration);
    });
    reset.addEventListener('click', () => this.fitToFill());
    brush.addEventListener('input', () => { this.state.brush = Number(brush.value); brushValue.textContent = brush.value; this.saveState(); this.view?.requestDraw(); });
    opacity.addEventListener('input', () => { this.state.opacity = Number(opacity.value); this.view!.overlayOpacity = this.state.opacity; this.view!.requestDraw(); this.saveState(); });
    addClass.addEventListener('click', () => this.addClass());
    this.updateToolButtons();
    this.updateLayerToggles();
    this.renderPalette();
  }

  /** Fit and reset: back to the automatic exaggeration that fills the view. */
  private fitToFill(): void {
    if (!this.view) return;
    this.state.verticalExaggeration = null;
    this.ui.exaggeration.value = '';
    this.view.autoExaggeration = true;
    this.view.resetView();
    this.view.draw();
    this.saveState();
  }

  /** Show the exaggeration a fill fit chose in the (empty) field's placeholder. */
  private showAutoExaggeration(ve: number): void {
    if (this.state.verticalExaggeration === null) this.ui.exaggeration.setAttribute('placeholder', `fill ${ve < 10 ? ve.toFixed(2) : ve.toFixed(1)}`);
  }

  // ---------------------------------------------------------------------------------------------------- sections

  private lines(axis: EditorAxis = this.state.axis): readonly number[] {
    return axisIndices(this.volume!, axis);
  }

  private positionOf(axis: EditorAxis): number {
    const saved = this.state.positions[axis];
    const lines = this.lines(axis);
    if (saved !== undefined && indexOfLine(lines, saved) >= 0) return saved;
    return lines[Math.floor((lines.length - 1) / 2)]!;
  }

  private currentIndex(): number {
    return this.positionOf(this.state.axis);
  }

  /** Show a section: at once when cached, otherwise after the host answers (a loading note only if that is slow). */
  private async show(axis: EditorAxis, index: number, fromSlider: boolean): Promise<void> {
    if (!this.store || !this.view) return;
    const lines = this.lines(axis);
    const pos = indexOfLine(lines, index);
    if (pos < 0) return;
    const previous = this.state.axis === axis ? indexOfLine(lines, this.state.positions[axis] ?? index) : -1;
    if (previous >= 0 && previous !== pos) this.lastDirection = pos > previous ? 1 : -1;
    if (this.state.axis !== axis) this.cancelGesture();
    this.state.axis = axis;
    this.state.positions[axis] = index;
    this.saveState();
    this.updateNavigation(fromSlider);
    this.root.dataset.wanted = `${axis}:${index}`;
    const cached = this.store.get(axis, index);
    let section: LoadedSection;
    if (cached) {
      section = cached;
    } else {
      window.clearTimeout(this.loadingTimer);
      this.loadingTimer = window.setTimeout(() => { this.ui.loading.hidden = false; }, LOADING_DELAY_MS);
      try {
        section = await this.store.load(axis, index);
      } catch (e) {
        if (e instanceof SupersededError) return;
        if (this.state.axis === axis && this.state.positions[axis] === index) {
          window.clearTimeout(this.loadingTimer);
          this.ui.loading.hidden = true;
          this.flash(`Cannot show ${AXIS_NAMES[axis].toLowerCase()} ${index}: ${(e as Error).message}`, true);
        }
        return;
      }
    }
    // Another line was asked for while this one was on its way.
    if (this.state.axis !== axis || this.state.positions[axis] !== index) return;
    window.clearTimeout(this.loadingTimer);
    this.ui.loading.hidden = true;
    this.display(section);
    this.prefetchAround(axis, pos);
  }

  private prefetchAround(axis: EditorAxis, pos: number): void {
    const lines = this.lines(axis);
    const d = this.lastDirection;
    const order = [pos + d, pos - d, pos + 2 * d, pos + 3 * d, pos - 2 * d];
    this.store!.prefetch(axis, order.filter((p) => p >= 0 && p < lines.length).map((p) => lines[p]!));
  }

  private display(section: LoadedSection): void {
    const view = this.view!;
    const v = this.volume!;
    const expected = sectionDimensions(v.shape, section.axis);
    if (expected.rows !== section.rows || expected.cols !== section.cols) {
      this.flash(`The host sent a ${section.rows} × ${section.cols} section, expected ${expected.rows} × ${expected.cols}.`, true);
    }
    this.section = section;
    view.setSection(section.cols, section.rows, this.scalesFor(section.axis));
    this.renderSection();
    this.root.dataset.section = `${section.axis}:${section.index}`;
  }

  private scalesFor(axis: EditorAxis): AxisScales {
    const v = this.volume!;
    const line = (numbers: readonly number[]) => (p: number): number => {
      const k = Math.max(0, Math.min(numbers.length - 1, p));
      const i = Math.floor(k);
      const next = numbers[Math.min(i + 1, numbers.length - 1)]!;
      return numbers[i]! + (next - numbers[i]!) * (k - i);
    };
    const time = (row: number): number => v.sampleStart + row * v.sampleInterval;
    const unit = v.sampleUnit === 'index' ? 'sample' : v.sampleUnit === 'ms' ? 'time (ms)' : `depth (${v.sampleUnit})`;
    const timeInteger = v.sampleUnit === 'index';
    if (axis === 'inline') return { xTitle: 'crossline', yTitle: unit, xValue: line(v.crosslines), yValue: time, xInteger: true, yInteger: timeInteger };
    if (axis === 'crossline') return { xTitle: 'inline', yTitle: unit, xValue: line(v.inlines), yValue: time, xInteger: true, yInteger: timeInteger };
    return { xTitle: 'crossline', yTitle: 'inline', xValue: line(v.crosslines), yValue: line(v.inlines), xInteger: true, yInteger: true };
  }

  /** Recompute every layer of the current section and draw (a new section arrived). */
  private renderSection(): void {
    const start = performance.now();
    this.renderBaseLayer();
    this.renderOverlayLayer();
    this.renderConfidenceLayer();
    this.view!.draw();
    performance.measure('seisgrow:render', { start, end: performance.now() });
    this.root.dataset.renders = String(Number(this.root.dataset.renders ?? 0) + 1);
  }

  /** Colormap, clip or gain changed: only the seismic layer is recomputed, the class layers stay as they are. */
  private renderBase(): void {
    this.saveState();
    if (!this.section) return;
    const start = performance.now();
    this.renderBaseLayer();
    this.view!.draw();
    performance.measure('seisgrow:render-base', { start, end: performance.now() });
    this.root.dataset.renders = String(Number(this.root.dataset.renders ?? 0) + 1);
  }

  private renderBaseLayer(): void {
    const s = this.section!;
    const range = displayRange(this.state.clip, this.state.gain, this.volume!.statistics, s.amplitudes);
    this.view!.renderBase(s.amplitudes, colormapLut(this.state.colormap), range);
    this.root.dataset.range = `${range.lo},${range.hi}`;
  }

  private renderOverlayLayer(rect?: { x0: number; y0: number; x1: number; y1: number }): void {
    const s = this.section!;
    const show = this.state.show;
    this.view!.renderOverlay({
      seeds: show.seeds ? s.labels : null,
      grown: show.grown ? s.grown : null,
      prediction: show.prediction ? s.prediction : null,
    }, this.classTable, rect);
  }

  private renderConfidenceLayer(): void {
    const s = this.section!;
    this.view!.renderConfidenceLayer(this.state.show.confidence ? s.confidence : null, colormapLut('inferno'));
  }

  private onLayersToggled(): void {
    this.view!.showConfidence = this.state.show.confidence;
    this.saveState();
    if (!this.section) return;
    this.renderOverlayLayer();
    this.renderConfidenceLayer();
    this.view!.draw();
  }

  private onLabelsChanged(axis?: EditorAxis, index?: number): void {
    if (!this.store) return;
    this.layers = { ...this.layers, labels: true };
    if (axis !== undefined && index !== undefined) this.store.invalidateCrossing(axis, index);
    else this.store.invalidate();
    void this.show(this.state.axis, this.currentIndex(), false);
  }

  private updateNavigation(fromSlider: boolean): void {
    const lines = this.lines();
    const index = this.currentIndex();
    const pos = indexOfLine(lines, index);
    const v = this.volume!;
    this.ui.slider.max = String(lines.length - 1);
    if (!fromSlider) this.ui.slider.value = String(pos);
    this.ui.slider.disabled = lines.length <= 1;
    if (this.state.axis === 'sample') {
      this.ui.number.value = String(v.sampleStart + index * v.sampleInterval);
      this.ui.position.textContent = `${v.sampleUnit === 'index' ? '' : `${v.sampleUnit} · `}sample ${index} of 0–${lines.length - 1}`;
    } else {
      this.ui.number.value = String(index);
      this.ui.position.textContent = `${pos + 1} of ${lines.length}`;
    }
    this.ui.axis.value = this.state.axis;
  }

  /** Go to the line nearest to a typed line number (or time, for time slices). */
  private goToTyped(value: number): void {
    if (!Number.isFinite(value)) { this.updateNavigation(false); return; }
    const v = this.volume!;
    const lines = this.lines();
    const target = this.state.axis === 'sample' ? Math.round((value - v.sampleStart) / (v.sampleInterval || 1)) : value;
    let best = lines[0]!;
    for (const l of lines) if (Math.abs(l - target) < Math.abs(best - target)) best = l;
    void this.show(this.state.axis, best, false);
  }

  private step(delta: number): void {
    const lines = this.lines();
    const pos = indexOfLine(lines, this.currentIndex());
    const next = Math.max(0, Math.min(lines.length - 1, pos + delta));
    if (next !== pos) void this.show(this.state.axis, lines[next]!, false);
  }

  // ---------------------------------------------------------------------------------------------------- palette

  private setPaletteData(palette: readonly EditorClass[]): void {
    this.palette = [...palette].sort((a, b) => a.id - b.id);
    this.classTable = classColorTable(this.palette);
    if (!this.palette.some((c) => c.id === this.state.activeClass) && this.palette.length > 0) this.state.activeClass = this.palette[0]!.id;
  }

  private setPalette(palette: readonly EditorClass[]): void {
    this.setPaletteData(palette);
    if (!this.ui) return;
    this.renderPalette();
    if (this.section) { this.renderOverlayLayer(); this.view!.draw(); }
  }

  private renderPalette(): void {
    const list = this.ui.paletteList;
    list.textContent = '';
    if (this.palette.length === 0) list.append(el('p', { class: 'hint' }, ['No classes yet: add one to paint.']));
    this.palette.forEach((c, k) => {
      const color = el('input', { type: 'color', value: c.color, title: 'Colour', 'aria-label': `colour of ${c.name}` }) as HTMLInputElement;
      color.addEventListener('change', () => this.editPalette({ op: 'recolor', id: c.id, color: color.value }));
      const name = textfield(`class-name-${c.id}`, 'text', c.name, 'class name');
      name.addEventListener('change', () => {
        const text = name.value.trim();
        if (text && text !== c.name) this.editPalette({ op: 'rename', id: c.id, name: text }); else name.value = c.name;
      });
      const remove = el('vscode-button', { secondary: '', title: `Delete ${c.name}`, class: 'delete' }, ['✕']);
      remove.addEventListener('click', (e) => { e.stopPropagation(); this.editPalette({ op: 'delete', id: c.id }); });
      const row = el('div', { class: 'class-row', 'data-class': String(c.id) }, [
        el('span', { class: 'key' }, [k < 9 ? String(k + 1) : '']), color, name, remove,
      ]);
      if (c.id === this.state.activeClass) row.classList.add('active');
      row.addEventListener('click', () => this.setActiveClass(c.id));
      list.append(row);
    });
    this.ui.addClass.toggleAttribute('disabled', this.readOnly || this.palette.length >= MAX_CLASSES);
  }

  private addClass(): void {
    const used = new Set(this.palette.map((c) => c.id));
    let n = 0;
    while (used.has(n)) n++;
    this.editPalette({ op: 'add', name: `Class ${n}`, color: DEFAULT_CLASS_COLORS[n % DEFAULT_CLASS_COLORS.length]! });
  }

  private editPalette(edit: PaletteEdit): void {
    if (this.readOnly) return;
    this.host.sendEvent({ type: 'paletteEdit', edit });
  }

  private setActiveClass(id: number): void {
    this.state.activeClass = id;
    if (this.state.tool === 'eraser' || this.state.tool === 'pan') this.setTool('brush');
    this.saveState();
    for (const row of this.ui.paletteList.querySelectorAll<HTMLElement>('.class-row')) row.classList.toggle('active', row.dataset.class === String(id));
  }

  // ---------------------------------------------------------------------------------------------------- tools and input

  private setTool(tool: Tool): void {
    if (tool !== this.state.tool) this.cancelGesture();
    this.state.tool = tool;
    this.saveState();
    this.updateToolButtons();
  }

  private updateToolButtons(): void {
    if (!this.ui) return;
    if (this.readOnly && this.state.tool !== 'pan') { this.cancelGesture(); this.state.tool = 'pan'; }
    for (const [t, b] of Object.entries(this.ui.tools) as [Tool, HTMLElement][]) {
      setButtonActive(b, t === this.state.tool);
      b.toggleAttribute('disabled', this.readOnly && t !== 'pan');
    }
    this.ui.addClass.toggleAttribute('disabled', this.readOnly || this.palette.length >= MAX_CLASSES);
    this.ui.canvas.dataset.tool = this.state.tool;
  }

  private updateLayerToggles(): void {
    if (!this.ui) return;
    this.ui.show.grown.hidden = !this.layers.grown;
    this.ui.show.prediction.hidden = !this.layers.prediction;
    this.ui.show.confidence.hidden = !this.layers.confidence;
  }

  private installInput(): void {
    const canvas = this.ui.canvas;
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.view!.zoomAt(e.clientX, e.clientY, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
    }, { passive: false });
    canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    canvas.addEventListener('pointercancel', () => { this.panning = null; this.cancelGesture(); });
    canvas.addEventListener('pointerleave', () => { this.pointer = null; this.ui.readout.textContent = '\u00a0'; this.view?.requestDraw(); });
    canvas.addEventListener('dblclick', (e) => { if (this.state.tool === 'line') { e.preventDefault(); this.finishPolyline(); } });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    window.addEventListener('keydown', (e) => this.onKeyDown(e));
    window.addEventListener('keyup', (e) => { if (e.key === ' ') { this.spaceHeld = false; this.ui.canvas.classList.remove('hand'); } });
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (isTextInput(e)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return; // undo/redo/save belong to VS Code
    const key = e.key;
    let handled = true;
    if (key === 'ArrowRight' || key === 'ArrowDown') this.step(1);
    else if (key === 'ArrowLeft' || key === 'ArrowUp') this.step(-1);
    else if (key === 'PageDown') this.step(10);
    else if (key === 'PageUp') this.step(-10);
    else if (key === 'Home') this.step(-Infinity);
    else if (key === 'End') this.step(Infinity);
    else if (/^[1-9]$/.test(key)) { const c = this.palette[Number(key) - 1]; if (c) this.setActiveClass(c.id); }
    else if (key === 'b' || key === 'B') this.setTool('brush');
    else if (key === 'e' || key === 'E') this.setTool('eraser');
    else if (key === 'l' || key === 'L') this.setTool('line');
    else if (key === 'f' || key === 'F') this.setTool('fill');
    else if (key === 'h' || key === 'H') this.setTool('pan');
    else if (key === '[') this.setBrush(this.state.brush - (this.state.brush > 10 ? 4 : 1));
    else if (key === ']') this.setBrush(this.state.brush + (this.state.brush >= 10 ? 4 : 1));
    else if (key === '0') this.fitToFill();
    else if (key === 'Enter') this.finishPolyline();
    else if (key === 'Escape') this.cancelGesture();
    else if (key === ' ') { this.spaceHeld = true; this.ui.canvas.classList.add('hand'); }
    else handled = false;
    if (handled) e.preventDefault();
  }

  private setBrush(size: number): void {
    this.state.brush = Math.max(1, Math.min(64, Math.round(size)));
    this.ui.brush.value = String(this.state.brush);
    this.ui.brushValue.textContent = String(this.state.brush);
    this.saveState();
    this.view?.requestDraw();
  }

  private paintValue(tool: Tool): number | null {
    if (tool === 'eraser') return UNLABELLED;
    if (!this.palette.some((c) => c.id === this.state.activeClass)) return null;
    return this.state.activeClass;
  }

  private onPointerDown(e: PointerEvent): void {
    const view = this.view!;
    this.ui.canvas.focus();
    const panGesture = e.button === 1 || (e.button === 0 && (this.spaceHeld || this.state.tool === 'pan'));
    if (panGesture) {
      e.preventDefault();
      this.panning = { x: e.clientX, y: e.clientY, pointerId: e.pointerId };
      this.ui.canvas.setPointerCapture(e.pointerId);
      return;
    }
    if (e.button !== 0 || !this.section || this.readOnly || !view.inPlot(e.clientX, e.clientY)) return;
    const tool = this.state.tool as StrokeTool;
    const value = this.paintValue(tool);
    if (value === null) { this.flash('Add a class to the palette before painting.', false); return; }
    const p = view.toSection(e.clientX, e.clientY);
    if (tool === 'line') {
      // Shift keeps the segment vertical (a well-like trace) or horizontal, whichever is closer.
      const last = this.polyline[this.polyline.length - 1];
      if (e.shiftKey && last) {
        if (Math.abs(p.y - last.y) * view.exaggeration >= Math.abs(p.x - last.x)) p.x = last.x; else p.y = last.y;
      }
      this.polyline.push(p);
      view.requestDraw();
      return;
    }
    const section = this.section;
    if (!section.labels) section.labels = new Uint8Array(section.rows * section.cols).fill(UNLABELLED);
    const builder = new StrokeBuilder(section.rows, section.cols, section.labels, value);
    if (tool === 'fill') {
      builder.fill(Math.floor(p.x), Math.floor(p.y));
      this.stroke = { builder, section, lastX: p.x, lastY: p.y, tool };
      this.commitStroke();
      return;
    }
    builder.addDisc(p.x, p.y, this.state.brush);
    this.stroke = { builder, section, lastX: p.x, lastY: p.y, tool };
    this.ui.canvas.setPointerCapture(e.pointerId);
    this.redrawStroke();
  }

  private onPointerMove(e: PointerEvent): void {
    const view = this.view!;
    if (this.panning) {
      view.panBy(e.clientX - this.panning.x, e.clientY - this.panning.y);
      this.panning.x = e.clientX;
      this.panning.y = e.clientY;
      return;
    }
    const p = view.toSection(e.clientX, e.clientY);
    this.pointer = p;
    this.updateReadout(p.x, p.y);
    if (this.stroke) {
      this.stroke.builder.addSegment(this.stroke.lastX, this.stroke.lastY, p.x, p.y, this.state.brush);
      this.stroke.lastX = p.x;
      this.stroke.lastY = p.y;
      this.redrawStroke();
    } else {
      view.requestDraw();
    }
  }

  private onPointerUp(e: PointerEvent): void {
    if (this.panning && this.panning.pointerId === e.pointerId) { this.panning = null; return; }
    if (this.stroke) this.commitStroke();
  }

  private redrawStroke(): void {
    const b = this.stroke!.builder.bounds;
    if (b.x1 > b.x0) this.renderOverlayLayer({ x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 });
    this.view!.requestDraw();
  }

  /** Send the finished gesture as ONE stroke; the pixels are already shown. */
  private commitStroke(): void {
    const s = this.stroke!;
    this.stroke = null;
    const b = s.builder.bounds;
    if (b.x1 > b.x0 && s.section === this.section) { this.renderOverlayLayer({ ...b }); this.view!.draw(); }
    if (s.builder.size === 0) return;
    const strokeId = this.nextStrokeId++;
    this.pendingStrokes.set(strokeId, { section: s.section, builder: s.builder });
    // Cached sections of the other axes cross this one and would show the labels from before the stroke.
    this.store!.invalidateCrossing(s.section.axis);
    const pixels = s.builder.pixels();
    this.host.sendEvent({
      type: 'stroke', strokeId, axis: s.section.axis, index: s.section.index, rows: s.section.rows, cols: s.section.cols,
      pixels: pixels.buffer as ArrayBuffer, value: s.builder.value, tool: s.tool,
    });
    this.layers = { ...this.layers, labels: true };
  }

  private finishPolyline(): void {
    if (this.polyline.length === 0 || !this.section || this.readOnly) { this.polyline = []; return; }
    const value = this.paintValue('line');
    if (value === null) { this.polyline = []; return; }
    const section = this.section;
    if (!section.labels) section.labels = new Uint8Array(section.rows * section.cols).fill(UNLABELLED);
    const builder = new StrokeBuilder(section.rows, section.cols, section.labels, value);
    const pts = this.polyline;
    if (pts.length === 1) builder.addDisc(pts[0]!.x, pts[0]!.y, this.state.brush);
    for (let i = 1; i < pts.length; i++) builder.addSegment(pts[i - 1]!.x, pts[i - 1]!.y, pts[i]!.x, pts[i]!.y, this.state.brush);
    this.polyline = [];
    this.stroke = { builder, section, lastX: 0, lastY: 0, tool: 'line' };
    this.commitStroke();
  }

  private cancelGesture(): void {
    if (this.stroke) {
      this.stroke.builder.revert();
      const b = this.stroke.builder.bounds;
      const same = this.stroke.section === this.section;
      this.stroke = null;
      if (same && b.x1 > b.x0) this.renderOverlayLayer({ ...b });
    }
    this.polyline = [];
    this.view?.requestDraw();
  }

  private onStrokeResult(strokeId: number, accepted: boolean, message?: string): void {
    const pending = this.pendingStrokes.get(strokeId);
    this.pendingStrokes.delete(strokeId);
    if (accepted || !pending) return;
    // The host refused it: drop our optimistic copy and show what the host has.
    this.flash(`Stroke not applied${message ? `: ${message}` : ''}`, true);
    this.store?.invalidateCrossing(pending.section.axis, pending.section.index);
    if (pending.section === this.section) void this.show(this.state.axis, this.currentIndex(), false);
  }

  /** Brush outline and polyline preview, drawn over the section in screen space. */
  private decorate(ctx: CanvasRenderingContext2D): void {
    const view = this.view!;
    const color = this.state.tool === 'eraser' ? '#ffffff' : (this.palette.find((c) => c.id === this.state.activeClass)?.color ?? '#ffffff');
    if (this.polyline.length > 0) {
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(1, this.state.brush * view.zoom);
      ctx.lineJoin = 'round';
      ctx.lineCap = 'round';
      ctx.globalAlpha = 0.8;
      ctx.beginPath();
      const pts = this.pointer ? [...this.polyline, this.pointer] : this.polyline;
      pts.forEach((p, i) => { const s = view.toScreen(p.x, p.y); if (i === 0) ctx.moveTo(s.x, s.y); else ctx.lineTo(s.x, s.y); });
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    const painting = this.state.tool === 'brush' || this.state.tool === 'eraser' || this.state.tool === 'line';
    if (this.pointer && painting && !this.spaceHeld && !this.readOnly) {
      const c = view.toScreen(Math.floor(this.pointer.x) + 0.5, Math.floor(this.pointer.y) + 0.5);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.ellipse(c.x, c.y, Math.max(2, (this.state.brush / 2) * view.zoom), Math.max(2, (this.state.brush / 2) * view.zoom * view.exaggeration), 0, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  private updateReadout(x: number, y: number): void {
    const s = this.section;
    const v = this.volume!;
    if (!s) return;
    const col = Math.floor(x);
    const row = Math.floor(y);
    if (col < 0 || row < 0 || col >= s.cols || row >= s.rows) { this.ui.readout.textContent = '\u00a0'; return; }
    const i = row * s.cols + col;
    let il: number, xl: number, k: number;
    if (s.axis === 'inline') { il = s.index; xl = v.crosslines[col]!; k = row; }
    else if (s.axis === 'crossline') { il = v.inlines[col]!; xl = s.index; k = row; }
    else { il = v.inlines[row]!; xl = v.crosslines[col]!; k = s.index; }
    this.lastTrace = { inline: il, crossline: xl };
    const parts: string[] = [];
    if (v.kind === '3d') parts.push(`inline ${il}`);
    parts.push(`${v.kind === '3d' ? 'crossline' : 'trace'} ${xl}`);
    const t = v.sampleStart + k * v.sampleInterval;
    parts.push(v.sampleUnit === 'index' ? `sample ${k}` : `${v.sampleUnit === 'ms' ? 'time' : 'depth'} ${formatNumber(t)} ${v.sampleUnit} (sample ${k})`);
    parts.push(`amplitude ${formatNumber(s.amplitudes[i]!)}`);
    const className = (id: number): string => this.palette.find((c) => c.id === id)?.name ?? `class ${id}`;
    const label = s.labels?.[i];
    parts.push(`label ${label === undefined || label === UNLABELLED ? '—' : className(label)}`);
    const grown = s.grown?.[i];
    if (grown !== undefined && grown !== UNLABELLED) parts.push(`grown ${className(grown)}`);
    const pred = s.prediction?.[i];
    if (pred !== undefined && pred !== UNLABELLED) parts.push(`predicted ${className(pred)}`);
    const conf = s.confidence?.[i];
    if (conf !== undefined) parts.push(`confidence ${conf.toFixed(2)}`);
    this.ui.readout.textContent = parts.join('  ·  ');
  }

  // ---------------------------------------------------------------------------------------------------- headers

  private async loadHeaders(): Promise<void> {
    // Reloaded on every visit: the trace of interest follows the cursor.
    if (this.headersLoading) return;
    this.headersLoading = true;
    const panel = this.ui.headersPanel;
    const s = this.section;
    const v = this.volume!;
    // The trace header of the trace last under the cursor, else the first trace of the section on screen.
    const request: { type: 'requestHeaders'; inline?: number; crossline?: number } = { type: 'requestHeaders', ...this.lastTrace };
    if (!this.lastTrace && s?.axis === 'inline') { request.inline = s.index; request.crossline = v.crosslines[0]; }
    else if (!this.lastTrace && s?.axis === 'crossline') { request.inline = v.inlines[0]; request.crossline = s.index; }
    try {
      const h = await this.host.sendRequest<HeadersMessage>(request);
      panel.textContent = '';
      panel.append(el('div', { class: 'header-columns' }, [
        el('section', {}, [el('h3', {}, ['Textual header']), el('pre', { class: 'textual', id: 'textual-header' }, [h.textual.join('\n')])]),
        el('section', {}, [el('h3', {}, ['Binary header']), headerTable(h.binary, 'binary-header')]),
        el('section', {}, [el('h3', {}, [`Trace header — ${h.traceTitle}`]), headerTable(h.trace, 'trace-header')]),
      ]));
    } catch (e) {
      panel.textContent = `Cannot read the headers: ${(e as Error).message}`;
    } finally {
      this.headersLoading = false;
    }
  }

  // ---------------------------------------------------------------------------------------------------- misc

  private flash(text: string, isError: boolean): void {
    if (!this.ui) { this.root.textContent = text; return; }
    const m = this.ui.message;
    m.textContent = text;
    m.classList.toggle('error', isError);
    m.hidden = false;
    window.setTimeout(() => { if (m.textContent === text) m.hidden = true; }, isError ? 8000 : 3000);
  }

  private saveState(): void {
    this.host.setState(this.state);
  }
}

function headerTable(fields: readonly HeaderField[], id: string): HTMLElement {
  // The meaning column only when the host describes at least one field.
  const described = fields.some((f) => f.description);
  const rows = fields.map((f) => el('tr', {}, [
    el('td', { class: 'byte' }, [f.byte === undefined ? '' : String(f.byte)]),
    el('td', {}, [f.name]),
    el('td', { class: 'value' }, [String(f.value)]),
    ...(described ? [el('td', { class: 'description' }, [f.description ?? ''])] : []),
  ]));
  const heads = ['Byte', 'Field', 'Value', ...(described ? ['Meaning'] : [])];
  return el('table', { class: 'header-table', id }, [
    el('thead', {}, [el('tr', {}, heads.map((h) => el('th', {}, [h])))]),
    el('tbody', {}, rows),
  ]);
}

/** True when the key belongs to a control (text fields, dropdowns, the brush/opacity sliders), not to the section view. */
function isTextInput(e: KeyboardEvent): boolean {
  return e.composedPath().some((t) => t instanceof HTMLElement && (
    // The line slider is the exception: its keys step lines through our handler (which cancels the native step).
    (t.tagName === 'INPUT' && t.id !== 'line-slider')
    || t.tagName === 'TEXTAREA' || t.tagName === 'VSCODE-TEXTFIELD' || t.tagName === 'VSCODE-SINGLE-SELECT' || t.isContentEditable));
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return Number.isInteger(x) ? String(x) : x.toFixed(a >= 100 ? 1 : 3);
}
