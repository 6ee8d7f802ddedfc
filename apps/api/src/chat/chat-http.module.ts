import { Module } from '@nestjs/common';
import { AssistantModule } from '@vitrine/assistant';
import { ChatController } from './chat.controller';

/**
 * The shopping-assistant chat over HTTP: `POST /v1/chat`, `GET` and `DELETE /v1/chat/:id`. The catalog must run
 * `ASSISTANT_MIGRATIONS` (its conversation tables).
 */
@Module({
  imports: [AssistantModule.forRoot()],
  controllers: [ChatController],
})
export class ChatHttpModule {}
