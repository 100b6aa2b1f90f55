// Serve the built webview (dist/webview.js + media/editor.css) and a stub host on 127.0.0.1, backed by a node-side
// section source, and drive it with playwright-core + Debian's chromium (headless). Shared by the webview tests and
// bench/render.bench.ts.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { EditorAxis, HeadersMessage, InitErrorMessage, InitOkMessage } from '../../../src/shared/editorProtocol';

/** Repository root. */
export const repoRoot = resolve(__dirname, '../../..');

/** Where screenshots go (git-ignored). */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'webview');

/** One section as the node side holds it. */
export interface SourceSection {
  rows: number;
  cols: number;
  amplitudes: Float32Array;
  labels: Uint8Array | null;
  prediction?: Uint8Array | null;
  confidence?: Float32Array | null;
}

/** What the stub host asks the node side for. */
export interface HarnessSource {
  init(): Promise<InitOkMessage | InitErrorMessage>;
  section(axis: EditorAxis, index: number): Promise<SourceSection>;
  headers?(inline?: number, crossline?: number): Promise<Omit<HeadersMessage, 'type' | 'requestId'>>;
}

/** ArrayBuffers as base64 for the page bridge (page.evaluate / exposeFunction carry JSON only). */
export function encodeForPage(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return { __arrayBuffer: Buffer.from(v).toString('base64') };
  if (ArrayBuffer.isView(v)) throw new Error('send ArrayBuffers, not typed arrays, across the protocol');
  if (Array.isArray(v)) return v.map(encodeForPage);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeForPage(x)]));
  return v;
}

/** Inverse of the page's encoding: base64 markers back to ArrayBuffers. */
export function decodeFromPage(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { __arrayBuffer?: unknown }).__arrayBuffer === 'string') {
    const b = Buffer.from((v as { __arrayBuffer: string }).__arrayBuffer, 'base64');
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  if (Array.isArray(v)) return v.map(decodeFromPage);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeFromPage(x)]));
  return v;
}

/** A running page server. */
export interface Harness {
  readonly url: string;
  /** Number of /api/section requests served, by key "axis:index". */
  readonly sectionRequests: Map<string, number>;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; font-src 'self';">
<link rel="stylesheet" href="/media/editor.css">
<title>SeisGrow webview test</title></head>
<body class="vscode-dark"><div id="root"></div>
<script src="/page/stubHost.js"></script>
<script src="/page/probe.js"></script>
<script src="/dist/webview.js"></script>
</body></html>`;

/** Start the page server for a source. */
export async function startHarness(source: HarnessSource): Promise<Harness> {
  const sectionRequests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      try {
        if (url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        } else if (url.pathname === '/dist/webview.js' || url.pathname === '/media/editor.css' || url.pathname.startsWith('/page/')) {
          const file = url.pathname.startsWith('/page/') ? join(repoRoot, 'test/webview/page', basename(url.pathname)) : join(repoRoot, url.pathname);
          const type = file.endsWith('.css') ? 'text/css' : 'text/javascript';
          res.writeHead(200, { 'content-type': type }).end(await readFile(file));
        } else if (url.pathname === '/api/init') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await source.init()));
        } else if (url.pathname === '/api/section') {
          const axis = url.searchParams.get('axis') as EditorAxis;
          const index = Number(url.searchParams.get('index'));
          const key = `${axis}:${index}`;
          sectionRequests.set(key, (sectionRequests.get(key) ?? 0) + 1);
          const s = await source.section(axis, index);
          const parts: Uint8Array[] = [new Uint8Array(s.amplitudes.buffer, s.amplitudes.byteOffset, s.amplitudes.byteLength)];
          if (s.labels) parts.push(s.labels);
          if (s.prediction) parts.push(s.prediction);
          if (s.confidence) parts.push(new Uint8Array(s.confidence.buffer, s.confidence.byteOffset, s.confidence.byteLength));
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'x-rows': String(s.rows), 'x-cols': String(s.cols),
            'x-labels': s.labels ? '1' : '0', 'x-prediction': s.prediction ? '1' : '0', 'x-confidence': s.confidence ? '1' : '0',
          });
          res.end(Buffer.concat(parts));
        } else if (url.pathname === '/api/headers' && source.headers) {
          const il = url.searchParams.get('inline');
          const xl = url.searchParams.get('crossline');
          const h = await source.headers(il === null ? undefined : Number(il), xl === null ? undefined : Number(xl));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(h));
        } else if (url.pathname === '/favicon.ico') {
          res.writeHead(204).end();
        } else {
          res.writeHead(404).end('not found');
        }
      } catch (e) {
        res.writeHead(500).end((e as Error).message);
      }
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    sectionRequests,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** Launch Debian's chromium headless with the flags that work on these machines. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing (apt-get install -y chromium)');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Open the page and wait until the webview shows a section (or its error state). */
export async function openEditor(browser: Browser, harness: Harness, options: { width?: number; height?: number; deviceScaleFactor?: number; query?: string; beforeLoad?: (page: Page) => Promise<void> } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 720 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  (page as Page & { errors?: string[] }).errors = errors;
  if (options.beforeLoad) await options.beforeLoad(page);
  await page.goto(harness.url + (options.query ? `?${options.query}` : ''));
  await page.waitForSelector('#root[data-state="ready"][data-section], #root[data-state="error"]', { timeout: 20_000 });
  return page;
}

/** Page errors and console errors collected by openEditor. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/** Save a screenshot under test-artifacts/webview/NAME.png and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Wait until the webview has drawn a given section ("axis:index"). */
export async function waitForSection(page: Page, key: string): Promise<void> {
  await page.waitForSelector(`#root[data-section="${key}"]`, { timeout: 20_000 });
}

/** Colour statistics of the section canvas (device pixels), optionally within a CSS-pixel rectangle. */
export interface CanvasColors {
  total: number;
  red: number;
  blue: number;
  grey: number;
  /** Pixels exactly matching `match` (±tolerance per channel). */
  matching: number;
}

/** Count reddish, bluish, grey and matching pixels of the section canvas (read back in the page by probe.js). */
export async function canvasColors(page: Page, rect?: { x: number; y: number; w: number; h: number }, match?: [number, number, number], tolerance = 3): Promise<CanvasColors> {
  return page.evaluate(`window.probe.canvasColors(${JSON.stringify(rect ?? null)}, ${JSON.stringify(match ?? null)}, ${tolerance})`) as Promise<CanvasColors>;
}

/** The RGBA of one canvas pixel at a CSS position relative to the canvas. */
export async function canvasPixel(page: Page, x: number, y: number): Promise<[number, number, number, number]> {
  return page.evaluate(`window.probe.pixel(${x}, ${y})`) as Promise<[number, number, number, number]>;
}

/** Canvas position on the page (CSS pixels). */
export async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator('#section-canvas').boundingBox();
  if (!box) throw new Error('section canvas not visible');
  return box;
}
