import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

/** How often a janitor purges after the boot purge. */
export const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes a library's rows past their retention at boot and hourly. A failed purge is logged and retried at the next
 * tick: retention is housekeeping, and the reads of expired rows must ignore them meanwhile. Subclasses say what
 * they keep and how to delete it.
 */
export abstract class RetentionJanitor implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;

  /** `what`: the rows, as a log line names them ("conversations", "searches and events"). */
  protected constructor(
    name: string,
    private readonly what: string,
  ) {
    this.logger = new Logger(name);
  }

  /** Days rows are kept (from the validated config). */
  protected abstract retentionDays(): number;
  /** Deletes the rows older than `days`; answers how many. */
  protected abstract deleteOlderThan(days: number): Promise<number>;

  async onModuleInit(): Promise<void> {
    await this.purge();
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One purge; never throws. */
  async purge(): Promise<number> {
    const days = this.retentionDays();
    try {
      const n = await this.deleteOlderThan(days);
      if (n > 0) this.logger.log(`deleted ${n} ${this.what} older than ${days} days`);
      return n;
    } catch (error) {
      this.logger.warn(`purging ${this.what} older than ${days} days failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
