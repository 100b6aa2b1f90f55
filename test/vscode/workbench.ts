// Helpers shared by the workbench UI tests: polling, the command palette, and finding webview frames.
import type { Frame, Page } from 'playwright-core';

/** Poll `probe` every 200 ms until it yields a value; throw naming `what` after the timeout. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Run a command from the palette: F1, its title, Enter. Retried: the palette lists it only once the extension's
 *  contributions have arrived from the remote host, and focus moving into a webview can close the palette. */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await waitFor(`"${title}" in the command palette`, async () => (await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).count()) > 0 || undefined, 5000);
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.keyboard.press('Escape').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The first frame holding `selector` (webviews live in nested iframes). */
export async function frameWith(page: Page, selector: string, what: string, timeoutMs = 60_000): Promise<Frame> {
  return waitFor(what, async () => {
    for (const f of page.frames()) if (!f.isDetached() && await f.$(selector).catch(() => null)) return f;
    return undefined;
  }, timeoutMs);
}
