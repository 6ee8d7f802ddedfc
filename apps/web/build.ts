/**
 * Builds the web storefront and admin console into dist/web: hashed file names under assets/ (served with a year
 * of cache), index.html naming them (served without cache). Prints the gzipped size of what the storefront loads
 * first and fails over FIRST_LOAD_BUDGET_GZ. `npm run build:web`; the browser tests call buildWeb().
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const ROOT = resolve(__dirname, '../..');
const SRC = join(__dirname, 'src');
export const WEB_DIST = join(ROOT, 'dist/web');

/** Gzipped bytes of the storefront's first load (entry script, the chunks it imports, its CSS). */
export const FIRST_LOAD_BUDGET_GZ = 60 * 1024;

export interface WebBuild {
  readonly outDir: string;
  /** Gzipped bytes per output file, by path relative to outDir. */
  readonly gzipped: Readonly<Record<string, number>>;
  readonly firstLoadGz: number;
}

export async function buildWeb(outDir: string = WEB_DIST): Promise<WebBuild> {
  rmSync(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: [join(SRC, 'main.tsx')],
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    outdir: assets,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: join(__dirname, 'tsconfig.json'),
  });
  const meta = result.metafile;
  const [entryPath, entry] = Object.entries(meta.outputs).find(([, o]) => o.entryPoint !== undefined)!;
  const rel = (p: string) => relative(outDir, resolve(ROOT, p)).split('\\').join('/');
  const firstLoad = [
    entryPath,
    ...staticImports(meta, entryPath),
    ...(entry.cssBundle ? [entry.cssBundle] : []),
  ];

  const gzipped: Record<string, number> = {};
  for (const path of Object.keys(meta.outputs)) {
    if (path.endsWith('.map')) continue;
    gzipped[rel(path)] = gzipSync(readFileSync(resolve(ROOT, path)), { level: 9 }).length;
  }
  const firstLoadGz = firstLoad.reduce((sum, p) => sum + (gzipped[rel(p)] ?? 0), 0);

  const template = readFileSync(join(SRC, 'index.html'), 'utf8');
  const html = template
    .replace(
      '<!--styles-->',
      entry.cssBundle ? `<link rel="stylesheet" href="/${rel(entry.cssBundle)}" />` : '',
    )
    .replace('<!--scripts-->', `<script type="module" src="/${rel(entryPath)}"></script>`);
  writeFileSync(join(outDir, 'index.html'), html);
  return { outDir, gzipped, firstLoadGz };
}

/** Chunks an output loads before it runs (not the lazy `import()` ones). */
function staticImports(meta: Metafile, path: string, seen = new Set<string>()): string[] {
  for (const imp of meta.outputs[path]?.imports ?? []) {
    if (imp.kind !== 'import-statement' || seen.has(imp.path)) continue;
    seen.add(imp.path);
    staticImports(meta, imp.path, seen);
  }
  return [...seen];
}

if (require.main === module) {
  buildWeb().then(
    (b) => {
      for (const [file, gz] of Object.entries(b.gzipped))
        console.log(`${file.padEnd(40)} ${(gz / 1024).toFixed(1)} kB gz`);
      const kb = (b.firstLoadGz / 1024).toFixed(1);
      const budget = (FIRST_LOAD_BUDGET_GZ / 1024).toFixed(0);
      console.log(`storefront first load: ${kb} kB gzipped (budget ${budget} kB)`);
      if (b.firstLoadGz > FIRST_LOAD_BUDGET_GZ) {
        console.error(
          `over budget: the storefront's first load is ${kb} kB gzipped, the budget ${budget} kB`,
        );
        process.exit(1);
      }
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
