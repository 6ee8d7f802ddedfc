import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The house rules that keep each library one owner of its data and its code (issue 12):
 *
 * - a library reaches another only through its public `@vitrine/<lib>` entry point: no `@vitrine/<lib>/...` deep
 *   import, no relative path into another library's folder;
 * - every table has one owner: each library lists the tables it owns in `libs/<lib>/tables.json` (a JSON array of
 *   names; no file means no tables), and no SQL text in a library's code names a table another library owns,
 *   creates one nobody declares, or maps one with a TypeORM `@Entity`. A foreign key (`REFERENCES products`) is
 *   allowed: it reads and writes nothing of the other library's, it only ties a row's life to the referenced one.
 *
 * Libraries are found by listing `libs/`, so a new library is checked the day it appears. The applications in `apps/`
 * are held to the same rules and own no tables. Tests (`*.spec.ts`, `*.int-spec.ts`, `*.e2e-spec.ts`) are left out:
 * they may seed and inspect any table.
 */
const ROOT = resolve(__dirname, '../..');
const LIBS = join(ROOT, 'libs');
const APPS = join(ROOT, 'apps');

/** SQL keywords followed by a table name; `ON` only in `CREATE [UNIQUE] INDEX name ON table`. */
const TABLE_AFTER_KEYWORD =
  /\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?|TRUNCATE|INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"?\w+"?\s+ON)\s+(?:ONLY\s+)?(?:"?public"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?/gi;
const CREATE_TABLE =
  /\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"?public"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?/gi;

/** A library, or an application (which owns no tables). */
interface Unit {
  /** `libs/<name>` or `apps/<name>`. */
  readonly name: string;
  readonly tables: ReadonlySet<string>;
  readonly files: readonly string[];
}

function isTest(file: string): boolean {
  return /\.(spec|int-spec|e2e-spec)\.ts$/.test(file);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function readUnits(parent: string, isLib: boolean): Unit[] {
  return readdirSync(parent)
    .filter((name) => statSync(join(parent, name)).isDirectory())
    .map((name) => {
      const dir = join(parent, name);
      const declared = join(dir, 'tables.json');
      const tables = existsSync(declared) ? (JSON.parse(readFileSync(declared, 'utf8')) as unknown) : [];
      if (!Array.isArray(tables) || !tables.every((t) => typeof t === 'string'))
        throw new Error(`${relative(ROOT, declared)} must be a JSON array of table names`);
      if (!isLib && tables.length > 0)
        throw new Error(`${relative(ROOT, declared)}: applications own no tables`);
      return {
        name: relative(ROOT, dir),
        tables: new Set(tables),
        files: tsFiles(dir).filter((f) => !isTest(f)),
      };
    });
}

/** Module specifiers of imports, re-exports, `import()` and `require()`; and the text of every string literal. */
function scan(file: string): { specifiers: string[]; strings: { text: string; line: number }[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const strings: { text: string; line: number }[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      specifiers.push(node.argument.literal.text);
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      strings.push({ text: node.text, line: lineOf(node) });
    } else if (ts.isTemplateExpression(node)) {
      // Interpolations become a placeholder, so `FROM ${table}` is not read as naming a table.
      const text = [node.head.text, ...node.templateSpans.map((s) => ` $x ${s.literal.text}`)].join('');
      strings.push({ text, line: lineOf(node) });
    }
    if (
      ts.isDecorator(node) &&
      ts.isCallExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'Entity'
    ) {
      // `@Entity('t')` or `@Entity({ name: 't' })` maps a table as surely as SQL names it.
      const [arg] = node.expression.arguments;
      const name = arg && ts.isObjectLiteralExpression(arg) ? entityName(arg) : arg;
      if (name && ts.isStringLiteral(name)) strings.push({ text: `TABLE ${name.text}`, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, strings };
}

function entityName(options: ts.ObjectLiteralExpression): ts.Expression | undefined {
  for (const p of options.properties)
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'name') return p.initializer;
  return undefined;
}

/** Why `file`, part of `unit` (`libs/x` or `apps/x`), may not import `spec`; undefined when it may. */
function importProblem(unit: string, file: string, spec: string): string | undefined {
  if (/^@vitrine\/[^/]+\/./.test(spec)) return 'a deep path into a library';
  if (!spec.startsWith('.')) return undefined;
  const inLibs = relative(LIBS, resolve(dirname(file), spec));
  const lib = `libs/${inLibs.split(sep)[0]}`;
  return !inLibs.startsWith('..') && lib !== unit ? `a relative path into ${lib}` : undefined;
}

function matches(pattern: RegExp, text: string): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]!.toLowerCase());
}

const libs = readUnits(LIBS, true);
const units = [...libs, ...readUnits(APPS, false)];
const scanned = new Map(units.flatMap((unit) => unit.files.map((f) => [f, scan(f)] as const)));
const owners = new Map<string, string[]>();
for (const lib of libs) for (const t of lib.tables) owners.set(t, [...(owners.get(t) ?? []), lib.name]);

describe('library boundaries', () => {
  it('finds the libraries and their code', () => {
    expect(units.map((u) => u.name)).toEqual(
      expect.arrayContaining(['libs/core', 'libs/catalog', 'libs/search', 'apps/api', 'apps/indexer']),
    );
    for (const unit of units) expect(unit.files.length).toBeGreaterThan(0);
  });

  it('reaches other libraries only through their @vitrine/<lib> entry point', () => {
    const violations: string[] = [];
    for (const unit of units) {
      for (const file of unit.files) {
        for (const spec of scanned.get(file)!.specifiers) {
          const problem = importProblem(unit.name, file, spec);
          if (problem) violations.push(`${relative(ROOT, file)} imports '${spec}': ${problem}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('gives every table exactly one owner, which creates it', () => {
    const violations: string[] = [];
    for (const [table, names] of owners)
      if (names.length > 1) violations.push(`${table} is declared by ${names.join(' and ')}`);
    for (const unit of units) {
      for (const file of unit.files) {
        for (const { text, line } of scanned.get(file)!.strings) {
          for (const table of matches(CREATE_TABLE, text))
            if (!unit.tables.has(table))
              violations.push(
                `${relative(ROOT, file)}:${line} creates ${table}, which ${unit.name}/tables.json does not list`,
              );
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('issues SQL only on tables the library owns', () => {
    const violations: string[] = [];
    for (const unit of units) {
      for (const file of unit.files) {
        for (const { text, line } of scanned.get(file)!.strings) {
          for (const table of new Set(matches(TABLE_AFTER_KEYWORD, text))) {
            const owner = owners.get(table);
            if (owner && !unit.tables.has(table))
              violations.push(`${relative(ROOT, file)}:${line} names ${table}, owned by ${owner.join(', ')}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('detects what it forbids', () => {
    // The rules above, on the shapes they must catch and the ones they must leave alone.
    expect(matches(TABLE_AFTER_KEYWORD, `SELECT 1 FROM products p JOIN "product_images" i ON TRUE`)).toEqual([
      'products',
      'product_images',
    ]);
    expect(matches(TABLE_AFTER_KEYWORD, 'UPDATE products SET x = 1')).toEqual(['products']);
    expect(matches(TABLE_AFTER_KEYWORD, 'insert into public.index_outbox (id) values ($1)')).toEqual([
      'index_outbox',
    ]);
    expect(matches(TABLE_AFTER_KEYWORD, 'CREATE INDEX "ix_a" ON "products" (sku)')).toEqual(['products']);
    expect(matches(TABLE_AFTER_KEYWORD, 'Products from the catalog')).toEqual(['the']);
    expect(matches(CREATE_TABLE, 'CREATE TABLE IF NOT EXISTS "t1" (id int)')).toEqual(['t1']);
    const searchFile = join(LIBS, 'search/src/search.service.ts');
    expect(importProblem('libs/search', searchFile, '@vitrine/catalog')).toBeUndefined();
    expect(importProblem('libs/search', searchFile, './filters/search-filters')).toBeUndefined();
    expect(importProblem('libs/search', searchFile, '@vitrine/catalog/src/domain/money')).toBe(
      'a deep path into a library',
    );
    expect(importProblem('libs/search', searchFile, '../../catalog/src/domain/money')).toBe(
      'a relative path into libs/catalog',
    );
    expect(importProblem('apps/api', join(APPS, 'api/src/main.ts'), '../../../libs/core/src')).toBe(
      'a relative path into libs/core',
    );
    expect(importProblem('libs/search', searchFile, '../../../test/support/catalog-db')).toBeUndefined();
  });
});
