import type { ScrollOptions, VectorStore } from './vector-store';

/**
 * Every id of a collection (passing `filter`), in ascending order, fetched page by page. Points written
 * during the walk may or may not show up; none that existed throughout is skipped.
 */
export async function* iterateIds(
  store: VectorStore,
  collection: string,
  options: Omit<ScrollOptions, 'cursor'> = {},
): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await store.scrollIds(collection, {
      ...options,
      ...(cursor === undefined ? {} : { cursor }),
    });
    yield* page.ids;
    cursor = page.next;
  } while (cursor !== undefined);
}
