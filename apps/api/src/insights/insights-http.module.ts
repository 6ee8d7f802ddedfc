import { Module } from '@nestjs/common';
import { InsightsModule } from '@vitrine/insights';
import { ApiKeyGuard } from '../http/api-key.guard';
import { AdminDescriptionsController } from './admin-descriptions.controller';
import { ProductInsightsController, VqaController } from './product-insights.controller';

/**
 * Product Q&A, attributes and generated descriptions over HTTP: `POST /v1/products/:id/ask`, `POST /v1/vqa`,
 * `GET /v1/products/:id/attributes`, `POST /v1/products/:id/description` and the admin review routes. Imports
 * the (global) InsightsModule, which also gives the application's indexer its attribute-extraction job.
 */
@Module({
  imports: [InsightsModule.forRoot()],
  controllers: [ProductInsightsController, VqaController, AdminDescriptionsController],
  providers: [ApiKeyGuard],
})
export class InsightsHttpModule {}
