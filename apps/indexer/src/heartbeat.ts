import { rmSync, writeFileSync } from 'node:fs';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';

/** How often the indexer touches its heartbeat file. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** The age past which the health check calls the indexer dead: six missed beats. */
export const HEARTBEAT_MAX_AGE_MS = 6 * HEARTBEAT_INTERVAL_MS;

/**
 * The indexer's liveness signal (it has no HTTP port to probe): from the moment its worker is consuming, it rewrites
 * INDEXER_HEARTBEAT_FILE every {@link HEARTBEAT_INTERVAL_MS}. A process whose event loop is stuck, or that was
 * frozen or killed, stops refreshing it; `node dist/apps/indexer/src/healthcheck.js` fails once the file is older
 * than {@link HEARTBEAT_MAX_AGE_MS}. A clean shutdown removes the file.
 */
@Injectable()
export class IndexerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Heartbeat');
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.file = config.indexer.heartbeatFile;
  }

  /** Runs after the indexing module's own bootstrap (the root module's providers come last): the worker is up. */
  onApplicationBootstrap(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    rmSync(this.file, { force: true });
  }

  private beat(): void {
    try {
      writeFileSync(this.file, `${new Date().toISOString()} pid ${process.pid}\n`);
      if (this.failing) this.log.log(`writing ${this.file} again`);
      this.failing = false;
    } catch (e) {
      // Said once, not every 5 s: the health check will report the process unhealthy meanwhile.
      if (!this.failing)
        this.log.error(
          `cannot write the heartbeat file ${this.file}: ${e instanceof Error ? e.message : String(e)}`,
        );
      this.failing = true;
    }
  }
}
