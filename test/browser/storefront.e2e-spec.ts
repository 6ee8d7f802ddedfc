/**
 * The web storefront and admin console in a real browser (headless chromium) against the real API in embedded
 * mode with the demo catalog: what a shopper and an operator do, and what they would notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_DIR } from '../api/api-app';
import {
  ADMIN_KEY,
  eventually,
  launchBrowser,
  seriousA11yViolations,
  startShop,
  type Browser,
  type Shop,
} from './shop';

jest.setTimeout(120_000);

let shop: Shop;
let browser: Browser;
/** Content-Security-Policy reports and uncaught errors seen by any page: the app must run under its CSP. */
const pageErrors: string[] = [];

beforeAll(async () => {
  [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await shop?.close();
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
  pageErrors.length = 0;
});

async function open(path: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport);
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
      pageErrors.push(`${path}: ${m.text()}`);
  });
  await page.goto(shop.url + path);
  return page;
}

const tiles = (page: Page) => page.locator('ul[aria-label="Products"] > li');

describe('storefront', () => {
  it('searches, refines with a facet, sorts, opens a product and asks about it', async () => {
    const page = await open('/');
    await page.getByRole('combobox', { name: 'Search products' }).fill('shoe');
    await page.getByRole('combobox', { name: 'Search products' }).press('Enter');
    await page.waitForURL(/\?q=shoe$/);
    await tiles(page).first().waitFor();
    await page
      .getByRole('status')
      .first()
      .filter({ hasText: /\d+ results?/ })
      .first()
      .waitFor();
    // The matched word is marked in the titles.
    const mark = tiles(page).locator('mark').first();
    await mark.waitFor();
    expect(await mark.textContent()).toMatch(/^shoes?$/i);

    // Facet: the Shoes category, with its count.
    const shoes = page.getByRole('group', { name: 'Category' }).getByRole('checkbox', { name: /Shoes/ });
    await shoes.check();
    await page.waitForURL(/category=Shoes/);
    await eventually(async () => {
      const categories = await tiles(page).locator('.tile-meta').allTextContents();
      expect(categories.length).toBeGreaterThan(0);
      for (const c of categories) expect(c).toContain('Shoes');
    });

    // Sort by price, lowest first: the prices shown ascend, and the URL keeps both choices.
    await page.getByLabel('Sort by').selectOption('price_asc');
    await page.waitForURL(/category=Shoes.*sort=price_asc/);
    await settled(page);
    await eventually(async () => {
      // The demo catalog prices in euros and dollars: each currency's prices ascend.
      const prices = await amounts(page);
      expect(prices.length).toBeGreaterThan(1);
      for (const currency of new Set(prices.map((p) => p.currency))) {
        const these = prices.filter((p) => p.currency === currency).map((p) => p.amount);
        expect(these).toEqual([...these].sort((a, b) => a - b));
      }
    });

    // Back restores the search before the sort.
    await page.goBack();
    await eventually(async () => expect(await page.getByLabel('Sort by').inputValue()).toBe('relevance'));
    await page.goForward();
    await eventually(async () => expect(await page.getByLabel('Sort by').inputValue()).toBe('price_asc'));
    // The select follows the URL at once; the tiles follow when the sorted page has come back. Read the first tile
    // only then, or the click may land on a tile that the sorted page replaces under the pointer.
    await settled(page);
    await eventually(async () => {
      const prices = await amounts(page);
      for (const currency of new Set(prices.map((p) => p.currency))) {
        const these = prices.filter((p) => p.currency === currency).map((p) => p.amount);
        expect(these).toEqual([...these].sort((a, b) => a - b));
      }
    });

    const first = tiles(page).first();
    const title = (await first.getByRole('heading').textContent())!;
    await first.getByRole('link').click();
    await page.waitForURL(/\/products\/[0-9a-f-]{36}$/);
    await eventually(async () =>
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(title),
    );
    await page.getByRole('heading', { name: 'Similar products' }).waitFor();

    await page.getByLabel('Your question').fill('What colour is it?');
    const [asked] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/ask')),
      page.getByRole('button', { name: 'Ask' }).click(),
    ]);
    const answer = (await asked.json()) as { source: string };
    await page.locator('.answer').waitFor();
    expect((await page.locator('.answer-text').textContent())?.trim()).toBeTruthy();
    expect(await page.locator('img.heatmap').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    // The page says where the answer came from: an answer the catalog gave did not look at the picture.
    expect(await page.locator('.answer').textContent()).toContain(
      answer.source === 'catalog' ? 'The answer comes from the catalog' : 'what the answer looked at',
    );

    // A question nothing can settle says so instead of guessing.
    await page.getByLabel('Your question').fill('Is it ethically sourced?');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.locator('.answer.unknown').filter({ hasText: "We can't tell" }).first().waitFor();

    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('no real cart').waitFor();
    await page.close();
  });

  it('restores a shared search URL on load', async () => {
    const page = await open('/?q=bouquet&sort=price_desc');
    await eventually(async () =>
      expect(await page.getByRole('combobox', { name: 'Search products' }).inputValue()).toBe('bouquet'),
    );
    await eventually(async () => expect(await page.getByLabel('Sort by').inputValue()).toBe('price_desc'));
    await tiles(page).first().waitFor();
    await page.close();
  });

  it('browses the catalog without words, with facets and paging', async () => {
    const page = await open('/');
    await page.getByRole('heading', { name: 'All products' }).waitFor();
    await tiles(page).first().waitFor();
    const shown = await tiles(page).count();
    await page
      .getByRole('group', { name: 'Category' })
      .getByRole('checkbox', { name: /Garden & Plants/ })
      .check();
    await page.waitForURL(/\/\?category=Garden/);
    await eventually(async () => {
      const categories = await tiles(page).locator('.tile-meta').allTextContents();
      expect(categories.length).toBeGreaterThan(0);
      for (const c of categories) expect(c).toContain('Garden & Plants');
    });
    await page.goBack();
    await eventually(async () => expect(await tiles(page).count()).toBe(shown));
    await page.getByRole('button', { name: 'Load more' }).click();
    await tiles(page).nth(shown).waitFor();
    await page.close();
  });

  it('says what it searched for instead, and when nothing matches', async () => {
    const page = await open('/?q=guitr');
    await page.locator('.notice').filter({ hasText: 'Showing results for' }).waitFor();
    expect(await page.locator('.notice strong').textContent()).toBe('guitar');
    await tiles(page).first().waitFor();
    await page.close();

    const none = await open('/?q=zqxjv%20wplkm');
    await none.getByRole('heading', { name: 'No products found' }).waitFor();
    expect(await tiles(none).count()).toBe(0);
    await none.getByRole('status').filter({ hasText: '0 results' }).first().waitFor();
    await none.close();
  });

  it('lets the shopping assistant show its products as cards', async () => {
    const page = await open('/');
    await page.getByRole('button', { name: 'Assistant' }).click();
    await page.getByLabel('Message to the assistant').fill('shoes under 100 euros');
    await page.getByRole('button', { name: 'Send' }).click();
    const cards = page.getByRole('list', { name: 'Products from the assistant' }).locator('li');
    await cards.first().waitFor();
    for (const price of await cards.locator('.price').allTextContents()) {
      expect(price).toContain('€');
      expect(Number(price.replace(/[^0-9.]/g, ''))).toBeLessThanOrEqual(100);
    }
    await page.close();
  });

  it('searches by picture and pages with the cursor alone', async () => {
    const page = await open('/');
    await page.locator('#picture').setInputFiles(join(DEMO_DIR, 'images/running-shoe.png'));
    await page.getByRole('heading', { name: 'Similar to your picture' }).waitFor();
    await tiles(page).first().waitFor();
    await tiles(page).first().getByRole('heading').filter({ hasText: 'Running Shoe' }).first().waitFor();
    const before = await tiles(page).count();
    await page.getByRole('button', { name: 'Load more' }).click();
    await tiles(page).nth(before).waitFor();
    const ids = await Promise.all(
      (await tiles(page).getByRole('link').all()).map((a) => a.getAttribute('href')),
    );
    expect(new Set(ids).size).toBe(ids.length);
    await page.close();
  });

  it('takes a picture dropped on the box or pasted on the page', async () => {
    const bytes = [...readFileSync(join(DEMO_DIR, 'images/guitar.png'))];
    const page = await open('/');
    const dropped = await pictureTransfer(page, bytes);
    await page.dispatchEvent('.picture-search', 'drop', { dataTransfer: dropped });
    await page.getByRole('heading', { name: 'Similar to your picture' }).waitFor();
    await tiles(page).filter({ hasText: 'Guitar' }).first().waitFor();

    await page.getByRole('button', { name: 'Back to words' }).click();
    await page.getByRole('heading', { name: 'All products' }).waitFor();
    const pasted = await pictureTransfer(page, [...readFileSync(join(DEMO_DIR, 'images/running-shoe.png'))]);
    await page.evaluate((dt) => {
      const g = globalThis as unknown as {
        ClipboardEvent: new (type: string, init: object) => unknown;
        document: { dispatchEvent(e: unknown): void };
      };
      g.document.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    }, pasted);
    await page.getByRole('heading', { name: 'Similar to your picture' }).waitFor();
    await tiles(page).filter({ hasText: 'Running Shoe' }).first().waitFor();
    await page.close();
  });

  it('suggests as the shopper types, navigable by keyboard', async () => {
    const page = await open('/');
    const box = page.getByRole('combobox', { name: 'Search products' });
    await box.pressSequentially('gui', { delay: 30 });
    const list = page.getByRole('listbox', { name: 'Suggestions' });
    await list.waitFor();
    expect(await box.getAttribute('aria-expanded')).toMatch('true');
    await box.press('ArrowDown');
    const active = await box.getAttribute('aria-activedescendant');
    expect(active).toBe('q-opt-0');
    const text = (await page.locator(`#${active} span`).first().textContent())!;
    expect(text.toLowerCase()).toContain('gui');
    await box.press('Enter');
    await page.waitForURL(new RegExp(`\\?q=${encodeURIComponent(text).replace(/%20/g, '(%20|\\+)')}$`));
    await page.close();
  });

  it('has no serious accessibility problems on the storefront and a product page', async () => {
    const page = await open('/?q=shoe');
    await tiles(page).first().waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await tiles(page).first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Similar products' }).waitFor();
    await page.locator('.similar .tile, .similar .hint').first().waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without horizontal scrolling, filters folded away', async () => {
    for (const path of ['/?q=shoe', '/admin']) {
      const page = await open(path, { width: 390, height: 844 });
      if (path !== '/admin') await tiles(page).first().waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      if (path !== '/admin') {
        const toggle = page.getByRole('button', { name: /^Filters/ });
        await page.getByRole('group', { name: 'Category' }).waitFor({ state: 'hidden' });
        await toggle.click();
        await page.getByRole('group', { name: 'Category' }).waitFor();
      }
      await page.close();
    }
  });
});

describe('admin console', () => {
  it('logs in, reindexes with live progress and approves a description draft', async () => {
    const page = await open('/admin');
    await page.getByLabel('API key').fill('wrong-key');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /X-Api-Key|key/i })
      .first()
      .waitFor();
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Catalog' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Index' }).click();
    await page.getByRole('button', { name: 'Reindex everything' }).click();
    const job = page.locator('.job');
    await job
      .filter({ hasText: /Reindex (waiting|active|completed)/ })
      .first()
      .waitFor();
    await job.filter({ hasText: 'Reindex completed' }).first().waitFor({ timeout: 90_000 });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The demo products all have descriptions: ask for a draft of one, as an editor's tool would.
    const target = await firstProductId();
    const drafted = await fetch(`${shop.url}/v1/products/${target}/description`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': ADMIN_KEY },
      body: JSON.stringify({ style: 'short' }),
    });
    expect(drafted.status).toBe(201);
    await page.getByRole('link', { name: 'Descriptions' }).click();
    await page.getByRole('button', { name: 'Draft descriptions for products without one' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /\d+ drafts written/ })
      .first()
      .waitFor();
    const draft = page.locator('.draft').first();
    await draft.waitFor();
    const count = await page.locator('.draft').count();
    await draft.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved' }).first().waitFor();
    await eventually(async () => expect(await page.locator('.draft').count()).toBe(count - 1));
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A shopper searches and clicks a result: the analytics count both.
    const shopper = await open('/?q=guitar');
    await tiles(shopper).first().getByRole('link').click();
    await shopper.getByRole('heading', { level: 1 }).waitFor();
    await shopper.close();
    await page.getByRole('link', { name: 'Analytics' }).click();
    const stat = (name: string) =>
      page
        .locator('.stats > div')
        .filter({ has: page.locator('dt').getByText(name, { exact: true }) })
        .locator('dd');
    const clicks = stat('Clicks');
    await clicks.waitFor();
    expect(Number(await clicks.textContent())).toBeGreaterThan(0);
    const searches = stat('Searches');
    expect(Number(await searches.textContent())).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });

  it('edits a product in place, imports a file with progress, and keeps synonyms', async () => {
    const page = await open('/admin');
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Log in' }).click();

    // Inline edit: the new price is what the storefront shows.
    await page.getByLabel('Find products by SKU or title').fill('guitar');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Edit Vintage Guitar' }).click();
    await page.getByLabel(/^Price in/).fill('149.00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row').filter({ hasText: 'Vintage Guitar' }).filter({ hasText: '149.00' }).waitFor();
    const shop = await open('/?q=vintage%20guitar');
    await tiles(shop).filter({ hasText: 'Vintage Guitar' }).filter({ hasText: '149.00' }).first().waitFor();
    await shop.close();

    // Import: two good lines and a bad one; the page reports each.
    await page.getByRole('link', { name: 'Import' }).click();
    const lines = [
      { sku: 'WEB-IMPORT-1', title: 'Imported Lamp', images: ['https://cdn.example.com/lamp.jpg'] },
      { sku: 'WEB-IMPORT-2', title: 'Imported Chair', images: ['https://cdn.example.com/chair.jpg'] },
      { sku: 'WEB-IMPORT-3' },
    ];
    await page.getByLabel(/Catalog file/).setInputFiles({
      name: 'catalog.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'),
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByRole('status').filter({ hasText: 'completed' });
    await report.waitFor();
    expect(await report.textContent()).toContain('2 created');
    expect(await report.textContent()).toContain('1 failed');
    await page.locator('.errors li').filter({ hasText: 'line 3' }).waitFor();

    // Synonyms: a set added is listed, then deleted.
    await page.getByRole('link', { name: 'Synonyms' }).click();
    await page.getByLabel(/New synonym set/).fill('lamp, light, lantern');
    await page.getByRole('button', { name: 'Add set' }).click();
    const terms = page.getByLabel('Terms of the set lamp', { exact: true });
    await terms.waitFor();
    expect(await terms.inputValue()).toBe('lamp, light, lantern');
    const row = page.locator('.synonyms li').filter({ has: terms });
    await row.waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await terms.waitFor({ state: 'detached' });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.close();
  });
});

/** A DataTransfer in the page holding one PNG file, as a drop or a paste carries it. */
function pictureTransfer(page: Page, bytes: number[]) {
  return page.evaluateHandle((data) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { items: { add(file: unknown): void } };
      File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
    };
    const transfer = new g.DataTransfer();
    transfer.items.add(new g.File([new Uint8Array(data)], 'picture.png', { type: 'image/png' }));
    return transfer;
  }, bytes);
}

async function firstProductId(): Promise<string> {
  const res = await fetch(`${shop.url}/v1/search/text`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: 'guitar', limit: 1 }),
  });
  const body = (await res.json()) as { items: { id: string }[] };
  return body.items[0]!.id;
}

async function amounts(page: Page): Promise<{ currency: string; amount: number }[]> {
  const texts = await tiles(page).locator('.price').allTextContents();
  return texts.map((t) => ({
    currency: t.replace(/[0-9.,\s]/g, ''),
    amount: Number(t.replace(/[^0-9.]/g, '')),
  }));
}

/** The results list shows the answer to the last request (its aria-busy is off again). */
async function settled(page: Page): Promise<void> {
  await page.locator('ul[aria-label="Products"][aria-busy="false"]').waitFor();
}
