import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw } from 'express';
import { KServeErrorFilter } from './kserve.controller';

/**
 * Request bodies of the inference route stay raw bytes (JSON alone or a JSON header with binary tensors after
 * it); the controller decodes them. The limit fits a batch of 256 ViT-L/14 pictures as JSON numbers.
 */
export function configureEmbedder(app: NestExpressApplication): void {
  app.use(raw({ type: () => true, limit: '512mb' }));
  app.useGlobalFilters(new KServeErrorFilter());
  app.enableShutdownHooks();
}
