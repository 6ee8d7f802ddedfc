import type { Command } from 'commander';
import { loadConfig } from '@vitrine/core';
import { runModelFetch, runModelInfo } from './model-commands';

/** `vitrine model …`: download and inspect CLIP models in the Hugging Face ONNX layout. */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('CLIP models (Hugging Face ONNX layout)');

  model
    .command('fetch')
    .description(
      'download a known model with sha256 checks into a staging folder, validate it, then install it; an ' +
        'interrupted download resumes when rerun. With --from, install a folder exported by ' +
        'tools/multilingual-clip/export.py (checked against its export.json) instead',
    )
    .argument('<name>', 'model name, e.g. clip-vit-base-patch32 or clip-vit-b32-multilingual')
    .option('--dir <dir>', 'target directory (default: models/<name>)')
    .option('--base-url <url>', 'where files are served (a mirror); default https://huggingface.co')
    .option('--revision <sha>', 'repository revision to download instead of the pinned one')
    .option('--trust-on-first-use', 'accept files whose sha256 is not pinned and record what arrives', false)
    .option('--print-checksums', 'print the received sha256 of every file, in manifest form', false)
    .option('--from <dir>', 'install this exported folder (export.py --out) instead of downloading')
    .action(
      async (
        name: string,
        o: {
          dir?: string;
          baseUrl?: string;
          revision?: string;
          trustOnFirstUse: boolean;
          printChecksums: boolean;
          from?: string;
        },
      ) => {
        process.exitCode = await runModelFetch(
          { name, ...o },
          { stdout: process.stdout, stderr: process.stderr },
        );
      },
    );

  model
    .command('info')
    .description('load a model directory and print its id, dimension, text length, image size and provider')
    .option('--dir <dir>', 'model directory (default: MODEL_DIR)')
    .option('--json', 'print JSON', false)
    .action(async (o: { dir?: string; json: boolean }) => {
      process.exitCode = await runModelInfo(o, {
        config: loadConfig(),
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}
