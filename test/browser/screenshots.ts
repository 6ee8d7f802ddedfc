/**
 * `npm run screenshots`: the storefront, a product page, the admin console and the storefront on a phone, from the
 * real API with the demo catalog, written to docs/images/*.png (README.md and docs/web.md show them). Needs
 * PostgreSQL and Redis like the e2e tests, and chromium.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, launchBrowser, startShop } from './shop';

const OUT = resolve(__dirname, '../../docs/images');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
  const shot = async (page: Page, name: string) => {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(OUT, name) });
    console.log(`wrote docs/images/${name}`);
  };
  try {
    const api = async (path: string, body?: unknown, admin = false) => {
      const res = await fetch(shop.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'Content-Type': 'application/json', ...(admin ? { 'X-Api-Key': ADMIN_KEY } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await res.json()) as Record<string, unknown>;
    };

    // A little shop life for the admin pages: searches and clicks.
    for (const q of ['guitar', 'shoe', 'red shoe', 'tent', 'shoe', 'coffee', 'umbrela', 'backpack'])
      await api('/v1/search/text', { query: q, limit: 5 });

    const store = await browser.newPage({ width: 1280, height: 860 });
    await store.goto(`${shop.url}/?q=shoe`);
    await store.locator('ul[aria-label="Products"] > li').first().waitFor();
    await shot(store, 'storefront.png');

    const { items } = (await api('/v1/search/text', { query: 'red high heeled shoe', limit: 1 })) as {
      items: { id: string }[];
    };
    const product = await browser.newPage({ width: 1280, height: 1300 });
    await product.goto(`${shop.url}/products/${items[0]!.id}`);
    await product.getByLabel('Your question').fill('What colour is it?');
    await product.getByRole('button', { name: 'Ask' }).click();
    await product.locator('.answer').waitFor();
    await shot(product, 'product.png');

    const admin = await browser.newPage({ width: 1280, height: 860 });
    await admin.goto(`${shop.url}/admin`);
    await admin.getByLabel('API key').fill(ADMIN_KEY);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.locator('table tbody tr').first().waitFor();
    await shot(admin, 'admin.png');
    await admin.getByRole('link', { name: 'Index' }).click();
    await admin.getByRole('button', { name: 'Reindex everything' }).click();
    await admin
      .locator('.job')
      .filter({ hasText: / [1-9]\d* of \d+|completed/ })
      .waitFor();
    await shot(admin, 'admin-reindex.png');

    const phone = await browser.newPage({ width: 390, height: 844 });
    await phone.goto(`${shop.url}/?q=shoe`);
    await phone.locator('ul[aria-label="Products"] > li').first().waitFor();
    await shot(phone, 'storefront-phone.png');
  } finally {
    await browser.close();
    await shop.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
