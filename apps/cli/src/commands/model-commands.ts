import * as path from 'node:path';
import { DomainError, type AppConfig } from '@vitrine/core';
import {
  EXPORT_MANIFEST_FILE,
  MODEL_EXPORTS,
  MODEL_MANIFESTS,
  OnnxEmbeddingProvider,
  downloadModel,
  embeddingOptionsFromConfig,
  installExportedModel,
  safeModelName,
  type DownloadProgress,
  type EmbeddingLogger,
} from '@vitrine/embedding';

interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ModelFetchArgs {
  readonly name: string;
  readonly dir?: string;
  readonly baseUrl?: string;
  readonly revision?: string;
  readonly trustOnFirstUse?: boolean;
  readonly printChecksums?: boolean;
  /** Install a folder written by tools/multilingual-clip/export.py instead of downloading. */
  readonly from?: string;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Progress on stderr: a rewritten line on a terminal, a line per quarter otherwise (CI logs). */
function progressPrinter(stderr: Io['stderr']): (p: DownloadProgress) => void {
  let lastFile = '';
  let lastStep = -1;
  let lastDraw = 0;
  return (p) => {
    const pct = p.total ? Math.floor((100 * p.received) / p.total) : undefined;
    const text = `${p.file}${p.resumed ? ' (resumed)' : ''}: ${mb(p.received)}${p.total ? ` / ${mb(p.total)} (${pct}%)` : ''}`;
    if (p.file !== lastFile) {
      if (lastFile && stderr.isTTY) stderr.write('\n');
      lastFile = p.file;
      lastStep = -1;
    }
    if (stderr.isTTY) {
      const now = Date.now();
      if (now - lastDraw > 100 || pct === 100) {
        stderr.write(`\r${text}\u001b[K`);
        lastDraw = now;
      }
    } else {
      const step = pct === undefined ? 0 : Math.floor(pct / 25);
      if (step !== lastStep) {
        stderr.write(`${text}\n`);
        lastStep = step;
      }
    }
  };
}

function printChecksums(files: readonly { path: string; sha256: string }[], io: Io): void {
  io.stdout.write(
    `${JSON.stringify(
      files.map((f) => ({ path: f.path, sha256: f.sha256 })),
      null,
      2,
    )}\n`,
  );
}

/** `vitrine model fetch <name> --from <dir>`: installs an exported folder after checking it against export.json. */
async function installFrom(args: ModelFetchArgs & { from: string }, io: Io): Promise<number> {
  if (safeModelName(args.name) !== args.name) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `Model name ${JSON.stringify(args.name)} is not filename-safe`,
      {
        name: args.name,
      },
    );
  }
  const dir = path.resolve(args.dir ?? path.join('models', args.name));
  io.stderr.write(`Installing ${args.name} from ${path.resolve(args.from)} into ${dir}\n`);
  const result = await installExportedModel({ name: args.name, from: args.from, dir });
  if (args.printChecksums) printChecksums(result.files, io);
  io.stdout.write(
    `Installed ${args.name} in ${result.dir} (${result.files.length} files checked against ` +
      `${EXPORT_MANIFEST_FILE} and loaded)\n`,
  );
  return 0;
}

const knownNames = () => [...Object.keys(MODEL_MANIFESTS), ...Object.keys(MODEL_EXPORTS)].join(', ');

/** `vitrine model fetch`: returns the exit code. */
export async function runModelFetch(args: ModelFetchArgs, io: Io): Promise<number> {
  if (args.from !== undefined) return installFrom({ ...args, from: args.from }, io);
  const recipe = MODEL_EXPORTS[args.name];
  if (recipe) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${args.name} (${recipe.summary}) has no published ONNX export Vitrine can load as is. On a machine with ` +
        `Python and access to the model hub run: python3 tools/multilingual-clip/export.py ${args.name} --out ` +
        `<dir>; then: vitrine model fetch ${args.name} --from <dir> (see docs/embeddings.md)`,
      { name: args.name, text: recipe.text, vision: recipe.vision },
    );
  }
  const known = MODEL_MANIFESTS[args.name];
  if (!known) {
    throw new DomainError('NOT_FOUND', `Unknown model ${args.name}; known: ${knownNames()}`);
  }
  // Another revision means other bytes: pinned checksums no longer apply.
  const manifest = args.revision
    ? { ...known, revision: args.revision, files: known.files.map((f) => ({ ...f, sha256: null })) }
    : known;
  const dir = path.resolve(args.dir ?? path.join('models', manifest.name));
  io.stderr.write(`Fetching ${manifest.repo}@${manifest.revision} into ${dir}\n`);
  const result = await downloadModel({
    manifest,
    dir,
    baseUrl: args.baseUrl,
    trustOnFirstUse: args.trustOnFirstUse,
    onProgress: progressPrinter(io.stderr),
  });
  if (io.stderr.isTTY) io.stderr.write('\n');
  const trusted = result.files.filter((f) => f.checkedAgainst === 'trust-on-first-use');
  if (trusted.length) {
    io.stderr.write(
      `warning: accepted on first use, NOT verified against pinned checksums: ${trusted.map((f) => f.path).join(', ')}` +
        '\n(recorded in checksums.json; pin them in MODEL_MANIFESTS once you have checked them)\n',
    );
  }
  if (args.printChecksums) printChecksums(result.files, io);
  io.stdout.write(
    `Installed ${manifest.name} in ${result.dir} (${result.files.length} files verified and loaded)\n`,
  );
  return 0;
}

/** `vitrine model info`: returns the exit code. */
export async function runModelInfo(
  args: { readonly dir?: string; readonly json?: boolean },
  deps: Io & { readonly config: AppConfig },
): Promise<number> {
  const warnings: string[] = [];
  const logger: EmbeddingLogger = { log: () => undefined, warn: (m) => warnings.push(m) };
  const options = embeddingOptionsFromConfig(deps.config);
  const provider = await OnnxEmbeddingProvider.load({
    ...options,
    modelDir: args.dir ? path.resolve(args.dir) : options.modelDir,
    logger,
  });
  try {
    const i = provider.info;
    warnings.forEach((w) => deps.stderr.write(`warning: ${w}\n`));
    if (args.json) {
      deps.stdout.write(
        `${JSON.stringify({ ...i, requestedDevice: deps.config.embedding.device }, null, 2)}\n`,
      );
      return 0;
    }
    const rows: [string, string][] = [
      ['model id', i.modelId],
      ['dir', i.dir],
      ['dim', String(i.dim)],
      ['max length', `${i.maxTextLength} tokens`],
      ['image size', `${i.imageSize.width}x${i.imageSize.height}`],
      ['provider', `${i.device} (requested ${deps.config.embedding.device})`],
      [
        'text input',
        `input_ids ${i.text.inputIdsType}${i.text.attentionMask ? ' + attention_mask' : ''}` +
          `${i.text.tokenTypeIds ? ' + token_type_ids' : ''}; start ${i.text.startId}, end ${i.text.endId}, ` +
          `pad ${i.text.padId}`,
      ],
      ['tokenizer', `${i.text.tokenizer}${i.text.pooling ? `; ${i.text.pooling} pooling in the graph` : ''}`],
      ...(i.towers
        ? ([
            ['text tower', i.towers.text],
            ['vision tower', i.towers.vision],
            ['space', i.towers.space],
          ] as [string, string][])
        : []),
    ];
    deps.stdout.write(rows.map(([k, v]) => `${k.padEnd(13)}${v}\n`).join(''));
    return 0;
  } finally {
    await provider.close();
  }
}
