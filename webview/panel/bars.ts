// Per-class IoU as a bar chart on a plain canvas, crisp on high-DPI screens.

/** Draw one bar per class (height = IoU in 0..1), class name under each; absent classes are drawn as an empty outline. */
export function drawIouBars(canvas: HTMLCanvasElement, iou: readonly (number | null)[], names: readonly string[], colors: readonly string[], fg: string, grid: string): void {
  const cssWidth = Math.max(160, canvas.parentElement?.clientWidth ?? 300);
  const cssHeight = 120;
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  const left = 28, right = 6, top = 6, bottom = 18;
  const w = cssWidth - left - right, h = cssHeight - top - bottom;
  ctx.font = '10px sans-serif';
  ctx.strokeStyle = grid;
  ctx.fillStyle = fg;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of [0, 0.5, 1]) {
    const y = top + h * (1 - t);
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + w, y); ctx.stroke();
    ctx.fillText(t.toFixed(1), left - 4, y);
  }
  const n = Math.max(1, iou.length);
  const slot = w / n;
  const barW = Math.max(2, slot * 0.7);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  iou.forEach((v, c) => {
    const x = left + slot * c + (slot - barW) / 2;
    if (v === null || !Number.isFinite(v)) {
      ctx.strokeRect(x, top, barW, h);
    } else {
      const bh = h * Math.max(0, Math.min(1, v));
      ctx.fillStyle = colors[c] ?? '#4e9ff5';
      ctx.fillRect(x, top + h - bh, barW, bh);
    }
    ctx.fillStyle = fg;
    const label = names[c] ?? String(c);
    ctx.fillText(slot > 40 ? label.slice(0, Math.floor(slot / 6)) : String(c), x + barW / 2, top + h + 4);
  });
}
