import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../apps/web/build';
import { startApiApp, type ApiTestApp } from '../api/api-app';

/** Debian's chromium: the browser tests drive the one the system has, never a downloaded one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const ADMIN_KEY = 'browser-test-admin-key-0123456789';

/** The real API (demo catalog, embedded vector store) with the web build, listening on a random local port. */
export interface Shop {
  readonly api: ApiTestApp;
  readonly url: string;
  close(): Promise<void>;
}

export async function startShop(): Promise<Shop> {
  await buildWeb();
  const api = await startApiApp({
    demoCatalog: true,
    env: { ADMIN_API_KEYS: ADMIN_KEY, ADMIN_AUTH_FAILURES_PER_MINUTE: '1000', RATE_LIMIT_PER_MINUTE: '0' },
  });
  await api.app.listen(0, '127.0.0.1');
  const { port } = api.app.getHttpServer().address() as AddressInfo;
  return { api, url: `http://127.0.0.1:${port}`, close: () => api.close() };
}

export interface Browser {
  readonly context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless chromium with a fresh profile. A machine without chromium fails here, with the command that installs
 * it: a browser suite that skips itself proves nothing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `chromium is not installed at ${CHROMIUM}: the browser tests need it. Install it with ` +
        '`apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  const profile = mkdtempSync(join(tmpdir(), 'vitrine-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    newPage: async (viewport) => {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What axe-core reports as serious or critical on the page, one line each (empty when none). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Evaluated by the debugger protocol, so the page's CSP (script-src 'self') stays on while axe runs.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Retries an assertion until it holds (the page updates asynchronously), failing with its last error. */
export async function eventually(assertion: () => Promise<void> | void, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
