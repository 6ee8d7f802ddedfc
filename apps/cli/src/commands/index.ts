import type { Command } from 'commander';
import { registerCatalogCommands } from './catalog';
import { registerEvalCommands } from './eval';
import { registerEvalChatCommand } from './eval-chat';
import { registerIndexingCommands } from './indexing';
import { registerInsightsCommands } from './insights';
import { registerModelCommands } from './model';

/** One line per command group; each group's module adds its sub-commands to `program`. */
export function registerCommands(program: Command): void {
  registerCatalogCommands(program);
  registerIndexingCommands(program);
  registerEvalCommands(program);
  registerEvalChatCommand(program);
  registerModelCommands(program);
  registerInsightsCommands(program);
}
