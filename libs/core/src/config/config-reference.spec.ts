import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigReference, undocumentedVariables } from './config-reference';
import { envSchema } from './config.schema';

const committed = resolve(__dirname, '../../../../docs/configuration.md');

describe('docs/configuration.md', () => {
  it('describes every variable of the schema (add it to config.docs.ts)', () => {
    expect(undocumentedVariables()).toEqual([]);
  });

  it('is what `npm run docs:config` generates from the current schema', () => {
    // A failure here means the schema or config.docs.ts changed without `npm run docs:config`.
    expect(readFileSync(committed, 'utf8')).toBe(renderConfigReference());
  });

  it('gives each variable its heading with the default and bounds the schema enforces', () => {
    const text = renderConfigReference();
    for (const name of Object.keys(envSchema.shape)) expect(text).toContain(`\n### ${name}\n`);
    expect(text).toContain('### PORT\n\nDefault: `3000`. Accepts: an integer from 0 to 65,535.');
    expect(text).toContain(
      '### IMAGE_FETCH_ALLOW_PRIVATE\n\nDefault: `false`. Accepts: a boolean (`true`/`false`, `1`/`0`, `yes`/`no`).',
    );
    expect(text).toContain('### ADMIN_API_KEYS\n\nDefault: empty.');
    expect(text).toContain('### METRICS_ENABLED\n\nDefault: on; off when `NODE_ENV=production`.');
  });
});
