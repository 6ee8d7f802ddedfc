import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { JsonValue } from '../domain/product';

// TypeORM row shapes. They never leave this library: the repositories map them to the plain domain types.
// The schema itself is owned by the migrations; an integration test checks that these match it.

@Entity({ name: 'products' })
@Index('products_sku_uq', ['sku'], { unique: true })
@Index('products_category_idx', ['category'])
@Index('products_brand_idx', ['brand'])
// A GIN index (migration ProductSearchTsv1764500000000), which TypeORM's decorators cannot express: left to the migration.
@Index('products_search_tsv_idx', { synchronize: false })
@Index('products_search_segments_idx', { synchronize: false })
@Check('products_price_chk', `(price_amount IS NULL) = (price_currency IS NULL) AND price_amount >= 0`)
export class ProductEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'products_pk' })
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  sku!: string;

  @Column({ type: 'varchar', length: 500 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  brand!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  category!: string | null;

  /** numeric, read back as a string by pg: never a float. */
  @Column({ name: 'price_amount', type: 'numeric', precision: 19, scale: 4, nullable: true })
  priceAmount!: string | null;

  @Column({ name: 'price_currency', type: 'varchar', length: 3, nullable: true })
  priceCurrency!: string | null;

  @Column({ name: 'in_stock', type: 'boolean', default: true })
  inStock!: boolean;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  attributes!: Record<string, JsonValue>;

  @Column({ name: 'content_hash', type: 'varchar', length: 64 })
  contentHash!: string;

  /** Lexical search document (libs/search), computed by PostgreSQL from the text columns; never read or written here. */
  @Column({
    name: 'search_tsv',
    type: 'tsvector',
    generatedType: 'STORED',
    asExpression:
      `setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') || ` +
      `setweight(to_tsvector('english'::regconfig, coalesce("brand", '') || ' ' || coalesce("category", '')), 'B') || ` +
      `setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'C')`,
    select: false,
    insert: false,
    update: false,
    nullable: true,
  })
  searchTsv?: unknown;

  /** Title/description per canonical BCP 47 tag (`Translations`). */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  translations!: Record<string, { title: string; description: string | null }>;

  /** Segmented full-text document of localised and CJK text (migration ProductTranslations1765310000000). */
  @Column({
    name: 'search_segments',
    type: 'tsvector',
    default: () => `''`,
    select: false,
    insert: false,
    update: false,
  })
  searchSegments?: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => ProductImageEntity, (image) => image.product)
  images!: ProductImageEntity[];
}

@Entity({ name: 'product_images' })
@Index('product_images_product_position_uq', ['productId', 'position'], { unique: true })
@Index('product_images_status_idx', ['status'])
@Check('product_images_status_chk', `status IN ('pending', 'ok', 'failed')`)
@Check('product_images_position_chk', `position >= 0`)
export class ProductImageEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'product_images_pk' })
  id!: string;

  @Column({ name: 'product_id', type: 'uuid' })
  productId!: string;

  @ManyToOne(() => ProductEntity, (product) => product.images, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'product_images_product_fk' })
  product?: ProductEntity;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'varchar', length: 2048 })
  uri!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'integer', nullable: true })
  width!: number | null;

  @Column({ type: 'integer', nullable: true })
  height!: number | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: string;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'product_index_states' })
@Index('product_index_states_model_status_idx', ['modelId', 'status'])
@Check('product_index_states_status_chk', `status IN ('pending', 'indexed', 'failed')`)
export class ProductIndexStateEntity {
  @PrimaryColumn({ name: 'product_id', type: 'uuid', primaryKeyConstraintName: 'product_index_states_pk' })
  productId!: string;

  @PrimaryColumn({
    name: 'model_id',
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'product_index_states_pk',
  })
  modelId!: string;

  @ManyToOne(() => ProductEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'product_index_states_product_fk' })
  product?: ProductEntity;

  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ name: 'vector_content_hash', type: 'varchar', length: 64, nullable: true })
  vectorContentHash!: string | null;

  @Column({ name: 'indexed_at', type: 'timestamptz', nullable: true })
  indexedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Every entity of the catalog, listed explicitly (no globs: they break under Jest and from dist/). */
export const CATALOG_ENTITIES = [ProductEntity, ProductImageEntity, ProductIndexStateEntity];
