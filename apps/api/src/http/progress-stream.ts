import type { MessageEvent } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiResponse } from '@nestjs/swagger';
import { defer, interval, map, startWith, switchMap, takeWhile, type Observable } from 'rxjs';
import { ApiErrorDto } from './api-error';

/** How often a progress stream reports. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * A long job's progress as server-sent `progress` events, one every {@link PROGRESS_INTERVAL_MS}, the last one the
 * first that is `done`. The first read happens before the stream starts, so an unknown id is a plain JSON 404
 * rather than an empty stream.
 */
export async function progressStream<T>(
  read: () => T | Promise<T>,
  done: (progress: T) => boolean,
): Promise<Observable<MessageEvent>> {
  const first = await read();
  return interval(PROGRESS_INTERVAL_MS).pipe(
    switchMap(() => defer(async () => read())),
    startWith(first),
    takeWhile((p) => !done(p), true),
    map((p): MessageEvent => ({ type: 'progress', data: p as object })),
  );
}

/** OpenAPI for a progress stream: a 200 `text/event-stream` of `progress` events (data: `progress`), a JSON 404. */
export function ApiProgressStream(progress: new () => unknown, what: string): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({
      description: `\`progress\` events (data: ${progress.name} as JSON) until the ${what} ends`,
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    }),
    ApiResponse({ status: 404, description: `no such ${what}`, type: ApiErrorDto }),
  );
}
