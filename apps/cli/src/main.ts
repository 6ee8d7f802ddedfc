#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigError, DomainError } from '@vitrine/core';
import { registerCommands } from './commands';

/**
 * `npm run vitrine -- <command>`: the operator's entrypoint. Each command group lives in ./commands and
 * builds only the services it needs.
 */
async function main(argv: string[]): Promise<number> {
  const program = new Command('vitrine')
    .description('Vitrine: product retrieval by picture and by words')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError || e instanceof DomainError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
