/** Most keys one coalesced call carries; more wait for the next call. */
const MAX_KEYS = 256;

/**
 * Turns a call for many keys into a call for one that concurrent callers share: keys asked for in the same turn of
 * the event loop (up to the next `setImmediate`) go to `many` together, and each caller gets its own answer. The
 * indexer's jobs run side by side and move in step (they wait for the same model batch), so eight jobs' product
 * reads or index-state writes become one statement instead of eight; each job still awaits its own, so nothing is
 * acknowledged before it is written. A failure of the shared call is every caller's failure (each job retries).
 *
 * `many` answers per key in the order given (`undefined` where it has nothing).
 */
export function coalesce<K, V>(many: (keys: K[]) => Promise<readonly V[]>): (key: K) => Promise<V> {
  const waiting: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    const batch = waiting.splice(0, MAX_KEYS);
    if (waiting.length > 0) setImmediate(flush);
    const keys = batch.map((w) => w.key);
    Promise.resolve()
      .then(() => many(keys))
      .then(
        (values) => batch.forEach((w, i) => w.resolve(values[i] as V)),
        (e: unknown) => batch.forEach((w) => w.reject(e)),
      );
  };
  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ key, resolve, reject });
    });
}
