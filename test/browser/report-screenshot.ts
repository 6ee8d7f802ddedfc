/**
 * `npm run eval:report` (after `vitrine eval --report dist/eval-report.html`): renders a retrieval report in headless
 * Chromium to the pictures the README and docs/evaluation.md show. The page is loaded from its file with every
 * request outside it refused and counted: a report that asks for anything fails here.
 *
 *   node -r @swc-node/register test/browser/report-screenshot.ts <report.html> <out-dir>
 *
 * Writes `eval-report.png` (header, summary, languages, recall curves and the first two failure cases of each kind) and
 * `eval-report-categories.png` (the per-category bars), about 1280 px wide, as palette PNGs.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { launchBrowser } from './shop';

async function main(): Promise<void> {
  const [report, outDir] = process.argv.slice(2);
  if (!report || !outDir) throw new Error('usage: report-screenshot.ts <report.html> <out-dir>');
  const browser = await launchBrowser();
  const url = pathToFileURL(resolve(report)).toString();
  const refused: string[] = [];
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => {
      const target = route.request().url();
      if (target === url || target.startsWith('data:')) return route.continue();
      refused.push(target);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    if (refused.length)
      throw new Error(`the report asked for ${refused.length} URL(s): ${refused.join(', ')}`);

    // The README picture: the overview and the first failure cases, without the long category chart between them.
    await page.addStyleTag({
      content: '#categories{display:none} .gallery>.case:nth-child(n+3){display:none} footer{display:none}',
    });
    const main = await page.screenshot({ fullPage: true });
    await sharp(main).png({ palette: true, quality: 90, effort: 10 }).toFile(join(outDir, 'eval-report.png'));

    await page.addStyleTag({ content: '#categories{display:block}' });
    const categories = await page.locator('#categories').screenshot();
    await sharp(categories)
      .png({ palette: true, quality: 90, effort: 10 })
      .toFile(join(outDir, 'eval-report-categories.png'));
    console.log(`wrote ${join(outDir, 'eval-report.png')} and ${join(outDir, 'eval-report-categories.png')}`);
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
