import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@vitrine/core';
import type { Schemas } from './qdrant-client';

/** The bound of the wait before an alias switch. */
export interface ReadyWait {
  /** Longest wait for the collection to get ready. */
  readonly timeoutMs: number;
  /** Time between two looks. */
  readonly pollMs: number;
}

/** What the wait reads from Qdrant (the adapter's calls, errors already mapped to domain errors). */
export interface ReadyProbe {
  /** `GET /collections/{name}`. */
  info(): Promise<Schemas['CollectionInfo']>;
  /** `GET /collections/{name}/cluster`: where each shard's replicas are and in which state. */
  shards(): Promise<Schemas['CollectionClusterInfo']>;
  /** Exact number of points. */
  count(): Promise<number>;
  /** `PATCH /collections/{name}` with an empty optimizer config: starts optimisations Qdrant holds back (grey). */
  triggerOptimizers(): Promise<unknown>;
}

/** Why a collection is not ready yet, in words for the error and the log; undefined when it is. */
type Pending = string | undefined;

/** Replica states of a shard that is still being built or moved (a dead replica on a down node is not one). */
const SETTLING = new Set<Schemas['ReplicaState']>([
  'Initializing',
  'Partial',
  'PartialSnapshot',
  'Recovery',
  'Resharding',
  'ReshardingScaleDown',
]);

function shardsPending(cluster: Schemas['CollectionClusterInfo']): Pending {
  const replicas = [...cluster.local_shards, ...cluster.remote_shards];
  const active = new Set(replicas.filter((r) => r.state === 'Active').map((r) => r.shard_id));
  const missing: number[] = [];
  for (let id = 0; id < cluster.shard_count; id++) if (!active.has(id)) missing.push(id);
  if (missing.length > 0) return `shards ${missing.join(', ')} have no active replica`;
  const settling = replicas.filter((r) => SETTLING.has(r.state));
  if (settling.length > 0)
    return `replicas still settling: ${settling.map((r) => `shard ${r.shard_id} ${r.state}`).join(', ')}`;
  if (cluster.shard_transfers.length > 0) return `${cluster.shard_transfers.length} shard transfers running`;
  return undefined;
}

/**
 * Waits until `collection` can serve searches at full speed: status green (no optimisation running or held
 * back), optimizers without error, every shard with an active replica and none still initialising or moving,
 * and at least `minPoints` points. A grey collection (optimisations pending but not started, e.g. after a
 * restart) gets its optimizers triggered once. A red collection, or an optimizer error, is refused at once (not
 * transient: it needs an operator); anything still pending when `timeoutMs` runs out is refused as a transient
 * `UNAVAILABLE` that says what was missing, so a retry of the switch can succeed later.
 */
export async function waitUntilReady(
  probe: ReadyProbe,
  collection: string,
  options: ReadyWait & { readonly minPoints?: number | undefined },
  now: () => number = () => performance.now(),
): Promise<void> {
  const deadline = now() + options.timeoutMs;
  let triggered = false;
  for (;;) {
    const pending = await look(probe, collection, options.minPoints, () => {
      if (triggered) return false;
      triggered = true;
      return true;
    });
    if (pending === undefined) return;
    if (now() + options.pollMs > deadline)
      throw new DomainError(
        'UNAVAILABLE',
        `Collection ${collection} is not ready to serve after ${Math.round(options.timeoutMs / 1000)} s (${pending}); the alias keeps its current collection`,
        { collection, pending, timeoutMs: options.timeoutMs },
      );
    await sleep(options.pollMs);
  }
}

async function look(
  probe: ReadyProbe,
  collection: string,
  minPoints: number | undefined,
  firstTrigger: () => boolean,
): Promise<Pending> {
  const info = await probe.info();
  const optimizerError = typeof info.optimizer_status === 'object' ? info.optimizer_status.error : undefined;
  if (info.status === 'red' || optimizerError !== undefined)
    throw new DomainError(
      'UNAVAILABLE',
      `Collection ${collection} is ${info.status}${optimizerError ? `: ${optimizerError}` : ''}; the alias keeps its current collection`,
      { collection, status: info.status, optimizerError, transient: false },
    );
  if (info.status === 'grey') {
    if (firstTrigger()) await probe.triggerOptimizers();
    return 'status grey: optimisations pending';
  }
  if (info.status === 'yellow') return 'status yellow: optimisations running';
  const shards = shardsPending(await probe.shards());
  if (shards !== undefined) return shards;
  if (minPoints !== undefined && minPoints > 0) {
    const count = await probe.count();
    if (count < minPoints) return `${count} points of the ${minPoints} expected`;
  }
  return undefined;
}
