/**
 * `npm run docs:config`: writes docs/configuration.md from the config schema and its descriptions
 * (libs/core/src/config/config.docs.ts). `-- --check` only reports whether the committed file is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigReference, undocumentedVariables } from '@vitrine/core';

const target = resolve(__dirname, '..', 'docs', 'configuration.md');
const text = renderConfigReference();
const missing = undocumentedVariables();
if (missing.length > 0) {
  console.error(`No description in libs/core/src/config/config.docs.ts for: ${missing.join(', ')}`);
}
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== text) {
    console.error(`${target} is out of date: run npm run docs:config`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
if (missing.length > 0) process.exitCode = 1;
