import type { Command } from 'commander';
import { registerCatalogCommands } from './catalog';
import { registerIndexingCommands } from './indexing';
import { registerModelCommands } from './model';

/** One line per command group; each group's module adds its sub-commands to `program`. */
export function registerCommands(program: Command): void {
  registerCatalogCommands(program);
  registerIndexingCommands(program);
  registerModelCommands(program);
}
