import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ChatService, type ChatTurnResult } from '@vitrine/assistant';
import { parseUtterance, type Vocabulary } from '@vitrine/nlu';
import { CatalogImportService, ProductRepository } from '@vitrine/catalog';
import { loadConfig, ValidationError, type AppConfig } from '@vitrine/core';
import { IndexingScheduler, InProcessJobQueue, JOB_QUEUE } from '@vitrine/indexing';
import {
  chatCatalog,
  readCatalogProducts,
  type ChatAgent,
  type ChatAgentReply,
  type ChatCatalogItem,
} from '@vitrine/evaluation';
import { openCliContext } from '../cli.module';
import { flatSlots, parsedReference } from './chat-agents';

/** The real chat service over a throw-away embedded setup holding one catalog, imported and indexed. */
export interface ChatHarness {
  readonly chat: ChatService;
  readonly catalog: ReadonlyMap<string, ChatCatalogItem>;
  readonly vocabulary: Vocabulary;
  /** Stored product id → SKU. */
  readonly skuOf: ReadonlyMap<string, string>;
  readonly products: number;
  readonly indexSeconds: number;
  close(): Promise<void>;
}

/**
 * Imports `catalogFile` into PGlite + embedded vectors in a temp folder, indexes it with the product's indexer and
 * returns the product's `ChatService` over it. Nothing configured (DATABASE_URL, QDRANT_URL, …) is touched.
 */
export async function openChatHarness(
  catalogFile: string,
  base: AppConfig,
  log: (line: string) => void = () => undefined,
): Promise<ChatHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'vitrine-chat-'));
  const config = loadConfig({
    DATA_DIR: dir,
    MODEL_DIR: base.embedding.modelDir,
    LOG_LEVEL: 'error',
    EMBEDDING_DEVICE: base.embedding.device,
    // The chat filters on catalog attributes; reading attributes from pictures would only add minutes.
    ATTRIBUTE_EXTRACTION: 'false',
  });
  const app = await openCliContext(config, { indexing: { role: 'worker', syncAtBoot: false } });
  try {
    const t0 = performance.now();
    const report = await app.get(CatalogImportService).importFile(resolve(catalogFile));
    // The labels are about the file's products: a product missing from the chat's catalog would skew every figure.
    if (report.rejected > 0)
      throw new ValidationError(
        `${catalogFile}: ${report.rejected} products rejected by the import (${report.errors
          .slice(0, 3)
          .map((e) => `line ${e.line}: ${e.reason}`)
          .join('; ')})`,
      );
    const queued = await app.get(IndexingScheduler).syncPending();
    await app.get<InProcessJobQueue>(JOB_QUEUE).drain();
    const indexSeconds = (performance.now() - t0) / 1000;
    log(
      `imported ${report.accepted} products (${report.rejected} rejected), indexed ${queued} in ${indexSeconds.toFixed(1)} s`,
    );
    const fileProducts = readCatalogProducts(catalogFile);
    const repository = app.get(ProductRepository);
    const skuOf = new Map<string, string>();
    for (const p of fileProducts) {
      const stored = await repository.getBySku(p.sku);
      if (stored) skuOf.set(stored.id, stored.sku);
    }
    return {
      chat: app.get(ChatService),
      catalog: chatCatalog(fileProducts),
      vocabulary: {
        brands: [...new Set(fileProducts.flatMap((p) => (p.brand ? [p.brand] : [])))],
        categories: [...new Set(fileProducts.flatMap((p) => (p.category ? [p.category] : [])))],
      },
      skuOf,
      products: report.accepted,
      indexSeconds,
      close: async () => {
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * What the chat did on a turn, in the evaluation's terms: its intent, the products shown, whether a question got an
 * answer (no answer at all counts as not answered: nothing was claimed), and the product(s) it was about — the
 * answer's or the comparison's products, else the references as parsed, placed in the list shown.
 */
export function serviceReply(
  result: ChatTurnResult,
  text: string,
  harness: Pick<ChatHarness, 'skuOf' | 'vocabulary'>,
  resultList: Parameters<typeof parsedReference>[1],
): ChatAgentReply {
  const parsed = parseUtterance(text, harness.vocabulary);
  const sku = (id: string) => harness.skuOf.get(id) ?? `unknown:${id}`;
  const about = result.answer
    ? [result.answer.productId]
    : result.comparison
      ? [...result.comparison.productIds]
      : undefined;
  const parsedRef = parsedReference(parsed, resultList);
  return {
    intent: result.intent,
    slots: flatSlots(parsed),
    shown: result.products.map((p) => p.sku),
    answered: result.answer ? result.answer.answered : false,
    filtersInForce: {
      excludeBrands: result.filters.excludeBrands ?? [],
      ...(result.filters.category !== undefined ? { category: result.filters.category } : {}),
      ...(result.filters.brand !== undefined ? { brand: result.filters.brand } : {}),
      ...(result.filters.price?.min !== undefined ? { priceMin: result.filters.price.min } : {}),
      ...(result.filters.price?.max !== undefined ? { priceMax: result.filters.price.max } : {}),
      ...(result.filters.currency !== undefined ? { currency: result.filters.currency } : {}),
      ...(result.filters.inStock === true ? { inStock: true } : {}),
    },
    ...(about ? { reference: { skus: about.map(sku) } } : parsedRef ? { reference: parsedRef } : {}),
  };
}

/** The chat service as the evaluation's agent: one conversation per conversation of the set. */
export function serviceAgent(harness: ChatHarness): ChatAgent {
  return {
    open: () => {
      let conversationId: string | undefined;
      return Promise.resolve({
        turn: async (text, context, image) => {
          const result = await harness.chat.turn({
            ...(conversationId ? { conversationId } : {}),
            message: text,
            ...(image !== undefined ? { image: new Uint8Array(await readFile(image)) } : {}),
          });
          conversationId = result.conversationId;
          return serviceReply(result, text, harness, context);
        },
      });
    },
  };
}
