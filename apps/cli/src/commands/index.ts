import type { Command } from 'commander';
import { registerCatalogCommands } from './catalog';

/** One line per command group; each group's module adds its sub-commands to `program`. */
export function registerCommands(program: Command): void {
  registerCatalogCommands(program);
}
