import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, RetentionJanitor, type AppConfig } from '@vitrine/core';
import {
  CATALOG_DATABASE,
  ProductRepository,
  ProductSearchRepository,
  type CatalogDatabase,
} from '@vitrine/catalog';
import { SearchService } from '@vitrine/search';
import { CHAT_COMPLETIONS, ChatModule, type ChatCompletionsClient } from '@vitrine/chat';
import { VqaModule, VqaService } from '@vitrine/vqa';
import { ChatService } from './chat.service';
import { RemoteReplyWriter } from './remote/remote-reply-writer';
import { RemoteToolPlanner } from './remote/tool-planner';
import { ConversationRepository } from './store/conversation.repository';

/** Deletes expired conversations at boot and hourly (`CHAT_RETENTION_DAYS`). */
@Injectable()
export class ConversationJanitor extends RetentionJanitor {
  constructor(
    private readonly conversations: ConversationRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super('ConversationJanitor', 'conversations');
  }

  protected retentionDays(): number {
    return this.config.chat.retentionDays;
  }

  protected deleteOlderThan(days: number): Promise<number> {
    return this.conversations.purgeOlderThan(days);
  }
}

/**
 * The shopping-assistant chat: {@link ChatService} over the (global) catalog and search modules and product Q&A
 * (imports `VqaModule.forRoot()`), with its conversations in this library's tables. The catalog must run
 * `ASSISTANT_MIGRATIONS`.
 */
@Module({})
export class AssistantModule {
  static forRoot(): DynamicModule {
    return {
      module: AssistantModule,
      imports: [VqaModule.forRoot(), ChatModule],
      providers: [
        {
          provide: ConversationRepository,
          inject: [CATALOG_DATABASE, APP_CONFIG],
          useFactory: (db: CatalogDatabase, config: AppConfig) =>
            new ConversationRepository(db, config.chat.retentionDays),
        },
        {
          provide: ChatService,
          inject: [
            SearchService,
            VqaService,
            ProductRepository,
            ProductSearchRepository,
            ConversationRepository,
            CHAT_COMPLETIONS,
            APP_CONFIG,
          ],
          useFactory: (
            search: SearchService,
            vqa: VqaService,
            products: ProductRepository,
            cards: ProductSearchRepository,
            conversations: ConversationRepository,
            client: ChatCompletionsClient | null,
            config: AppConfig,
          ) =>
            new ChatService({
              search,
              questions: { askAboutProduct: (id, question) => vqa.askAboutProduct(id, question) },
              catalog: {
                getByIds: (ids) => products.getByIds(ids),
                cards: (ids) => cards.cards(ids),
                distinctCategories: () => products.distinctCategories(),
                distinctBrands: async () => (await products.distinctBrandsAndMaterials()).brands,
              },
              conversations,
              writer: client ? new RemoteReplyWriter(client) : undefined,
              planner: client && config.chat.remoteTools ? new RemoteToolPlanner(client) : undefined,
            }),
        },
        ConversationJanitor,
      ],
      exports: [ChatService, ConversationRepository],
    };
  }
}
