import { Logger } from '@nestjs/common';
import type { Product } from '@vitrine/catalog';
import { jobIds } from '../queue/job-definitions';
import type { JobQueue } from '../queue/job-queue';
import { describeError } from '../queue/job-errors';
import type { AttributeExtractionPort, IndexedPicture } from './attribute-extraction.port';

const log = new Logger('Indexing');

/**
 * What follows a product's indexing when attribute extraction is on: its attributes are read from the first
 * picture the indexer has just fetched and embedded (no second fetch, decode for the model or model run). When
 * there is no such picture (none, or the first one failed), or reading them inline fails, an `extract-attributes`
 * job does it the long way, with the queue's retries and failure recording.
 */
export function attributeFollowUp(
  attributes: AttributeExtractionPort,
  queue: JobQueue,
  modelId: string,
): (product: Product, picture?: IndexedPicture) => Promise<void> {
  const enqueue = async (product: Product) => {
    const data = { productId: product.id, contentHash: product.contentHash, modelId };
    await queue.enqueue({ name: 'extract-attributes', data, jobId: jobIds.extractAttributes(data) });
  };
  return async (product, picture) => {
    if (!picture) return enqueue(product);
    try {
      await attributes.extractIndexed(product, picture);
    } catch (e) {
      log.warn(`attributes of ${product.sku} (${product.id}) queued after: ${describeError(e)}`);
      await enqueue(product);
    }
  };
}
