/**
 * `npm run openapi`: writes docs/openapi.json, the API contract that the web app and the conformance tests read,
 * from the app's controllers and DTOs, and the web app's TypeScript types of it, apps/web/src/api/schema.d.ts
 * (openapi-typescript). `-- --check` only reports whether both committed files are current.
 *
 * The app is built in Nest's preview mode: modules and routes are scanned, no provider is created, so no
 * database, queue, model or data directory is touched, and the configuration is a fixed one (the document does
 * not depend on the environment of whoever runs this). test/api/openapi-conformance.e2e-spec.ts compares the
 * document a real app serves with this file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig, OPENAPI_METHODS } from '@vitrine/core';
import { ApiModule } from '../apps/api/src/app.module';
import { createOpenApiDocument } from '../apps/api/src/app.setup';

const ROOT = resolve(__dirname, '..');
export const OPENAPI_FILE = resolve(ROOT, 'docs', 'openapi.json');
/** The web app's types of the document: `paths`, `components['schemas']`, `operations`. */
export const WEB_SCHEMA_FILE = resolve(ROOT, 'apps', 'web', 'src', 'api', 'schema.d.ts');

function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The committed form of a document, before formatting: paths and component schemas in name order and each path's methods in
 * OpenAPI's order, since Nest lists them in module-scan order and a new module would otherwise reorder the
 * whole file; everything inside an operation or schema keeps Nest's (declaration) order.
 */
export function normalizeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const order = (m: string) => {
    const i = (OPENAPI_METHODS as readonly string[]).indexOf(m);
    return i < 0 ? -1 : i;
  };
  const paths = Object.fromEntries(
    Object.entries(sortedKeys(document.paths)).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, unknown>).sort(([a], [b]) => order(a) - order(b)),
      ),
    ]),
  );
  const components = document.components
    ? {
        ...document.components,
        ...(document.components.schemas ? { schemas: sortedKeys(document.components.schemas) } : {}),
      }
    : undefined;
  return { ...document, paths, ...(components ? { components } : {}) };
}

/** The text of docs/openapi.json: Prettier with the repository's settings, so `npm run format:check` agrees. */
export async function renderOpenApiDocument(document: OpenAPIObject): Promise<string> {
  // Loaded here: Prettier's CommonJS entry imports its plugins dynamically, which Jest's module system refuses.
  const { format, resolveConfig } = await import('prettier');
  const json = JSON.stringify(normalizeOpenApiDocument(document));
  return format(json, { ...(await resolveConfig(OPENAPI_FILE)), parser: 'json' });
}

/** The document of the app's routes, without starting anything. */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: resolve(ROOT, 'data') }, ROOT);
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** openapi-typescript's types of the document text, formatted as the repository formats TypeScript. */
async function renderWebSchema(documentText: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-openapi-'));
  try {
    const input = join(dir, 'openapi.json');
    const output = join(dir, 'schema.d.ts');
    writeFileSync(input, documentText);
    // The CLI, not the library: openapi-typescript is an ES module, and these scripts run as CommonJS.
    const cli = resolve(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    execFileSync(process.execPath, [cli, input, '--output', output], { stdio: 'pipe' });
    const { format, resolveConfig } = await import('prettier');
    return format(readFileSync(output, 'utf8'), {
      ...(await resolveConfig(WEB_SCHEMA_FILE)),
      parser: 'typescript',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // A missing file is stale too.
    return '';
  }
}

async function main(): Promise<void> {
  const text = await renderOpenApiDocument(await buildOpenApiDocument());
  const schema = await renderWebSchema(text);
  const files: readonly [string, string][] = [
    [OPENAPI_FILE, text],
    [WEB_SCHEMA_FILE, schema],
  ];
  if (process.argv.includes('--check')) {
    for (const [file, content] of files) {
      if (readOrEmpty(file) === content) continue;
      console.error(`${file} is out of date: run npm run openapi`);
      process.exitCode = 1;
    }
    return;
  }
  for (const [file, content] of files) {
    writeFileSync(file, content);
    console.log(`wrote ${file}`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
