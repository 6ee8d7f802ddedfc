import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';
import { ChatCompletionsClient } from './chat-completions.client';

/**
 * Injection token of the process's one {@link ChatCompletionsClient}, built from `AppConfig.insights.answerer`
 * (ANSWERER_URL, ANSWERER_MODEL, ANSWERER_API_KEY): `null` when no endpoint is configured.
 */
export const CHAT_COMPLETIONS = Symbol('CHAT_COMPLETIONS');

/**
 * The OpenAI-compatible chat-completions endpoint, when one is configured. Needs `ConfigModule`. Modules that talk
 * to the endpoint import this one (Nest builds it once per application).
 */
@Module({
  providers: [
    {
      provide: CHAT_COMPLETIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ChatCompletionsClient | null =>
        config.insights.answerer ? new ChatCompletionsClient(config.insights.answerer) : null,
    },
  ],
  exports: [CHAT_COMPLETIONS],
})
export class ChatModule {}
