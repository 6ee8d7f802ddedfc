import { DomainError } from '@vitrine/core';
import type { JobHandlers } from '../queue/job-queue';
import type { AttributeExtractionPort } from './attribute-extraction.port';
import type { IndexingService } from './indexing.service';
import type { ReindexService } from './reindex.service';

/** The indexer's job handlers: parse nothing more than the typed payload, call a service. */
export function indexingHandlers(
  indexing: IndexingService,
  reindex: ReindexService,
  attributes?: AttributeExtractionPort,
): JobHandlers {
  return {
    'index-product': (data, ctx) => indexing.indexProduct(data.productId, { finalAttempt: ctx.finalAttempt }),
    'delete-product': (data) => indexing.deleteProduct(data.productId),
    reindex: (data, ctx) => reindex.run(data, ctx),
    'reindex-batch': (data, ctx) => reindex.batch(data, ctx),
    'extract-attributes': (data) =>
      attributes
        ? attributes.extractProduct(data.productId)
        : Promise.reject(
            new DomainError(
              'UNAVAILABLE',
              'this indexer runs without attribute extraction (no AttributesModule)',
              {
                transient: false,
              },
            ),
          ),
  };
}
