import { Module } from '@nestjs/common';
import { ATTRIBUTE_MIGRATIONS, AttributesModule } from '@vitrine/attributes';
import { DESCRIPTION_MIGRATIONS, DescriptionsModule } from '@vitrine/descriptions';
import { VqaModule } from '@vitrine/vqa';
import { ApiKeyGuard } from '../http/api-key.guard';
import { AdminDescriptionsController } from './admin-descriptions.controller';
import { ProductInsightsController, VqaController } from './product-insights.controller';

/** The tables of attributes and description drafts: the API's catalog runs them with its own migrations. */
export const INSIGHTS_MIGRATIONS = [...ATTRIBUTE_MIGRATIONS, ...DESCRIPTION_MIGRATIONS];

/**
 * Product Q&A, attributes and generated descriptions over HTTP: `POST /v1/products/:id/ask`, `POST /v1/vqa`,
 * `GET /v1/products/:id/attributes`, `POST /v1/products/:id/description` and the admin review routes. Imports
 * the (global) AttributesModule, which also gives the application's indexer its attribute-extraction job. The
 * catalog must run {@link INSIGHTS_MIGRATIONS}.
 */
@Module({
  imports: [AttributesModule.forRoot(), VqaModule.forRoot(), DescriptionsModule.forRoot()],
  controllers: [ProductInsightsController, VqaController, AdminDescriptionsController],
  providers: [ApiKeyGuard],
})
export class InsightsHttpModule {}
