// The section canvas: section pixels are rendered once into offscreen canvases (seismic, class overlay, confidence);
// pan, zoom and exaggeration only change the transform used to composite them, so they never recompute pixels.
// The visible canvas is sized in device pixels for crisp drawing on high-DPI screens.
import type { DisplayRange, ClassLayers } from './render';
import { renderAmplitudes, renderClassLayers, renderConfidence } from './render';
import type { PixelRect } from './paint';
import { ticks } from './ticks';

/** How section columns and rows map to labelled axis values. */
export interface AxisScales {
  /** Title of the horizontal axis, e.g. 'crossline'. */
  readonly xTitle: string;
  /** Title of the vertical axis, e.g. 'time (ms)'. */
  readonly yTitle: string;
  /** Axis value of column / row positions (fractional positions interpolate). */
  readonly xValue: (col: number) => number;
  readonly yValue: (row: number) => number;
  /** Axes whose values are whole numbers (line numbers, sample indices) never get fractional ticks. */
  readonly xInteger: boolean;
  readonly yInteger: boolean;
}

/** Screen-space margins for the axes, in CSS pixels. */
const MARGIN = { left: 64, top: 34, right: 10, bottom: 10 };

/** An offscreen RGBA layer of the section's size. */
class Layer {
  readonly canvas: HTMLCanvasElement;
  readonly ctx: CanvasRenderingContext2D;
  readonly image: ImageData;
  readonly pixels: Uint32Array;

  constructor(readonly cols: number, readonly rows: number) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = cols;
    this.canvas.height = rows;
    this.ctx = this.canvas.getContext('2d')!;
    this.image = this.ctx.createImageData(cols, rows);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** Copy pixels (all, or one rectangle) into the canvas. */
  commit(rect?: PixelRect): void {
    if (rect) this.ctx.putImageData(this.image, 0, 0, rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0);
    else this.ctx.putImageData(this.image, 0, 0);
  }
}

/** Colours read from VS Code's theme variables. */
interface ThemeColors {
  background: string;
  foreground: string;
  grid: string;
  font: string;
}

/** The interactive section canvas. */
export class SectionView {
  private readonly ctx: CanvasRenderingContext2D;
  private dpr = 1;
  private cssWidth = 1;
  private cssHeight = 1;
  private base: Layer | null = null;
  private overlay: Layer | null = null;
  private confidence: Layer | null = null;
  private scales: AxisScales | null = null;
  private theme: ThemeColors;
  private drawScheduled = false;
  private overlayEmpty = true;
  /** True while the view is the fitted one (no zoom or pan since): a size change fits it again. */
  private fitted = true;

  /** CSS pixels per section column. */
  zoom = 1;
  /** Vertical exaggeration: rows are drawn `exaggeration` times taller than columns are wide. */
  exaggeration = 1;
  /** When true, fitting chooses the exaggeration that makes the section fill the plot (a 75 × 18 inline would
   *  otherwise be a narrow strip); a user-set exaggeration (setExaggeration) turns it off. */
  autoExaggeration = true;
  /** Told the exaggeration each time a fit chooses it. */
  onAutoExaggeration: ((ve: number) => void) | null = null;
  /** Screen position (CSS px, relative to the plot's top left) of the section's origin. */
  panX = 0;
  panY = 0;
  /** Opacity of the class overlay and of the confidence layer. */
  overlayOpacity = 0.5;
  showConfidence = false;
  /** Extra drawing on top (brush cursor, polyline preview), in section coordinates through `toScreen`. */
  decorate: ((ctx: CanvasRenderingContext2D) => void) | null = null;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
    this.theme = this.readTheme();
    new ResizeObserver(() => this.resize()).observe(canvas);
    // VS Code swaps body classes (vscode-light / vscode-dark / high contrast) on a theme change.
    new MutationObserver(() => { this.theme = this.readTheme(); this.requestDraw(); })
      .observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
    this.resize();
  }

  /** Section size shown, or null. */
  get sectionSize(): { cols: number; rows: number } | null {
    return this.base ? { cols: this.base.cols, rows: this.base.rows } : null;
  }

  /** Prepare layers for a section of this size; keeps the view when the size is unchanged, fits it otherwise. */
  setSection(cols: number, rows: number, scales: AxisScales): void {
    const sameSize = this.base !== null && this.base.cols === cols && this.base.rows === rows;
    this.scales = scales;
    if (!sameSize) {
      this.base = new Layer(cols, rows);
      this.overlay = new Layer(cols, rows);
      this.overlayEmpty = true;
      this.confidence = null;
      this.resetView();
    }
  }

  /** Recompute the seismic layer (colormap, clip or gain changed, or a new section). */
  renderBase(amplitudes: Float32Array, lut: Uint32Array, range: DisplayRange): void {
    if (!this.base) return;
    renderAmplitudes(amplitudes, lut, range, this.base.pixels);
    this.base.commit();
  }

  /** Recompute the class overlay, all of it or one rectangle (after a paint step). */
  renderOverlay(layers: ClassLayers, table: Uint32Array, rect?: PixelRect): void {
    if (!this.overlay) return;
    if (layers.seeds === null && layers.grown === null && layers.prediction === null) {
      // Nothing to show (no sidecar yet, layers hidden): skip a full pass over the section and its compositing.
      this.overlayEmpty = true;
      return;
    }
    // The layer holds stale pixels while it was skipped, so the first update after that redraws all of it.
    const region = this.overlayEmpty ? undefined : rect;
    this.overlayEmpty = false;
    renderClassLayers(layers, table, this.overlay.cols, this.overlay.pixels, region);
    this.overlay.commit(region);
  }

  /** Recompute the confidence layer, or drop it (null). */
  renderConfidenceLayer(confidence: Float32Array | null, lut: Uint32Array): void {
    if (!this.base || confidence === null) { this.confidence = null; return; }
    if (!this.confidence) this.confidence = new Layer(this.base.cols, this.base.rows);
    renderConfidence(confidence, lut, this.confidence.pixels);
    this.confidence.commit();
  }

  /** Fit the whole section into the plot area, centred; with autoExaggeration, stretched to fill it. */
  resetView(): void {
    if (!this.base) return;
    const { w, h } = this.plotSize();
    if (this.autoExaggeration) {
      this.zoom = Math.max(1e-3, w / this.base.cols);
      this.exaggeration = h / (this.base.rows * this.zoom);
      this.onAutoExaggeration?.(this.exaggeration);
    } else {
      this.zoom = Math.max(1e-3, Math.min(w / this.base.cols, h / (this.base.rows * this.exaggeration)));
    }
    this.panX = (w - this.base.cols * this.zoom) / 2;
    this.panY = (h - this.base.rows * this.zoom * this.exaggeration) / 2;
    this.fitted = true;
  }

  /** Zoom by a factor keeping the section point under (clientX, clientY) fixed. */
  zoomAt(clientX: number, clientY: number, factor: number): void {
    const { x, y } = this.toPlot(clientX, clientY);
    const z = Math.min(256, Math.max(1e-3, this.zoom * factor));
    const f = z / this.zoom;
    this.panX = x - (x - this.panX) * f;
    this.panY = y - (y - this.panY) * f;
    this.zoom = z;
    this.fitted = false;
    this.requestDraw();
  }

  /** Set the vertical exaggeration (the user's: no longer automatic). A fitted view is fitted again with it; a zoomed
   *  one keeps the plot's vertical centre fixed. */
  setExaggeration(ve: number): void {
    this.autoExaggeration = false;
    if (this.fitted) {
      this.exaggeration = ve;
      this.resetView();
    } else {
      const { h } = this.plotSize();
      const centreRow = (h / 2 - this.panY) / (this.zoom * this.exaggeration);
      this.exaggeration = ve;
      this.panY = h / 2 - centreRow * this.zoom * ve;
    }
    this.requestDraw();
  }

  /** Move the view by a screen distance in CSS pixels. */
  panBy(dx: number, dy: number): void {
    this.panX += dx;
    this.panY += dy;
    this.fitted = false;
    this.requestDraw();
  }

  /** Section coordinates (fractional column, row) under a client point. */
  toSection(clientX: number, clientY: number): { x: number; y: number } {
    const p = this.toPlot(clientX, clientY);
    return { x: (p.x - this.panX) / this.zoom, y: (p.y - this.panY) / (this.zoom * this.exaggeration) };
  }

  /** Canvas CSS coordinates of a section point (for decorations). */
  toScreen(x: number, y: number): { x: number; y: number } {
    return { x: MARGIN.left + this.panX + x * this.zoom, y: MARGIN.top + this.panY + y * this.zoom * this.exaggeration };
  }

  /** True when the client point is inside the plot area (not on the axes). */
  inPlot(clientX: number, clientY: number): boolean {
    const p = this.toPlot(clientX, clientY);
    const { w, h } = this.plotSize();
    return p.x >= 0 && p.y >= 0 && p.x < w && p.y < h;
  }

  /** Draw on the next animation frame (coalesces bursts of pointer events). */
  requestDraw(): void {
    if (this.drawScheduled) return;
    this.drawScheduled = true;
    requestAnimationFrame(() => { this.drawScheduled = false; this.draw(); });
  }

  /** Composite layers with the view transform and draw the axes, now. */
  draw(): void {
    const ctx = this.ctx;
    const { w, h } = this.plotSize();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, this.cssWidth, this.cssHeight);
    if (!this.base) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, w, h);
    ctx.clip();
    const dx = MARGIN.left + this.panX;
    const dy = MARGIN.top + this.panY;
    const dw = this.base.cols * this.zoom;
    const dh = this.base.rows * this.zoom * this.exaggeration;
    // Smooth only when shrinking; magnified pixels stay sharp so painted labels line up with what is stored.
    ctx.imageSmoothingEnabled = this.zoom * this.dpr < 1;
    ctx.drawImage(this.base.canvas, dx, dy, dw, dh);
    ctx.imageSmoothingEnabled = false;
    if (this.confidence && this.showConfidence) {
      ctx.globalAlpha = this.overlayOpacity;
      ctx.drawImage(this.confidence.canvas, dx, dy, dw, dh);
    }
    if (this.overlay && !this.overlayEmpty) {
      ctx.globalAlpha = this.overlayOpacity;
      ctx.drawImage(this.overlay.canvas, dx, dy, dw, dh);
    }
    ctx.globalAlpha = 1;
    if (this.decorate) this.decorate(ctx);
    ctx.restore();
    this.drawAxes(w, h);
  }

  private drawAxes(w: number, h: number): void {
    const s = this.scales;
    if (!s || !this.base) return;
    const ctx = this.ctx;
    ctx.fillStyle = this.theme.foreground;
    ctx.strokeStyle = this.theme.grid;
    ctx.font = `11px ${this.theme.font}`;
    ctx.lineWidth = 1;
    // Horizontal axis on top, as seismic sections are usually read. Tick density follows the section's on-screen
    // size (not the plot's), so a narrow section does not get overlapping labels.
    const col0 = Math.max(0, -this.panX / this.zoom);
    const col1 = Math.min(this.base.cols - 1, (w - this.panX) / this.zoom);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    for (const t of ticks(s.xValue, col0, col1, Math.max(4, ((col1 - col0 + 1) * this.zoom) / 90), s.xInteger)) {
      const x = MARGIN.left + this.panX + (t.pos + 0.5) * this.zoom;
      ctx.fillRect(Math.round(x), MARGIN.top - 5, 1, 5);
      ctx.fillText(t.label, x, MARGIN.top - 6);
    }
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(s.xTitle, MARGIN.left, 2);
    const sy = this.zoom * this.exaggeration;
    const row0 = Math.max(0, -this.panY / sy);
    const row1 = Math.min(this.base.rows - 1, (h - this.panY) / sy);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of ticks(s.yValue, row0, row1, Math.max(4, ((row1 - row0 + 1) * sy) / 50), s.yInteger)) {
      const y = MARGIN.top + this.panY + (t.pos + 0.5) * sy;
      ctx.fillRect(MARGIN.left - 5, Math.round(y), 5, 1);
      ctx.fillText(t.label, MARGIN.left - 7, y);
    }
    ctx.save();
    ctx.translate(10, MARGIN.top + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(s.yTitle, 0, 0);
    ctx.restore();
    ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, w + 1, h + 1);
  }

  private plotSize(): { w: number; h: number } {
    return { w: Math.max(1, this.cssWidth - MARGIN.left - MARGIN.right), h: Math.max(1, this.cssHeight - MARGIN.top - MARGIN.bottom) };
  }

  private toPlot(clientX: number, clientY: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: clientX - r.left - MARGIN.left, y: clientY - r.top - MARGIN.top };
  }

  private resize(): void {
    const r = this.canvas.getBoundingClientRect();
    // A hidden webview reports a zero size: keep the view for when it is shown again.
    if (r.width < 1 || r.height < 1) return;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(r.width);
    const height = Math.round(r.height);
    if (width === this.cssWidth && height === this.cssHeight && dpr === this.dpr) return;
    const firstLayout = this.cssWidth <= 1 || this.cssHeight <= 1;
    const before = this.plotSize();
    this.cssWidth = width;
    this.cssHeight = height;
    this.dpr = dpr;
    // Setting the backing size clears the canvas, so it is always drawn again below.
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    if (firstLayout || this.fitted) this.resetView();
    else {
      // Zoomed or panned by the user: keep the section point at the plot's centre where it was. Keeping the old
      // offsets instead left a section centred in a wide column outside a narrower one (a blank canvas).
      const after = this.plotSize();
      this.panX += (after.w - before.w) / 2;
      this.panY += (after.h - before.h) / 2;
    }
    this.draw();
  }

  private readTheme(): ThemeColors {
    const css = getComputedStyle(document.body);
    const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
    return {
      background: v('--vscode-editor-background', '#1e1e1e'),
      foreground: v('--vscode-editor-foreground', '#cccccc'),
      grid: v('--vscode-editorRuler-foreground', v('--vscode-panel-border', '#80808080')),
      font: v('--vscode-font-family', 'sans-serif'),
    };
  }
}
