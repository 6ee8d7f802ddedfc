import { Module } from '@nestjs/common';
import { CATALOG_DATABASE, type CatalogDatabase } from '@vitrine/catalog';
import { DescriptionDraftRepository } from '@vitrine/descriptions';
import { ProductDetailController } from './product-detail.controller';
import { ProductDetailService } from './product-detail.service';

/**
 * `GET /v1/products/:id`, and {@link ProductDetailService} for the admin writes that answer with the product. Reads
 * the (global) catalog and attributes modules, and the description drafts' table for the approved text.
 */
@Module({
  controllers: [ProductDetailController],
  providers: [
    ProductDetailService,
    {
      provide: DescriptionDraftRepository,
      inject: [CATALOG_DATABASE],
      useFactory: (db: CatalogDatabase) => new DescriptionDraftRepository(db),
    },
  ],
  exports: [ProductDetailService],
})
export class ProductDetailModule {}
