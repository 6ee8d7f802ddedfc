import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { ImageUpload } from '../http/file-upload.interceptor';
import {
  ApiBody,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '@vitrine/core';
import { ChatService, ConversationRepository } from '@vitrine/assistant';
import { ApiErrorDto } from '../http/api-error';
import { Consumes } from '../http/media-type.guard';
import {
  ChatConversationDto,
  ChatRequestDto,
  ChatResponseDto,
  toChatResponse,
  toChatTurnDto,
} from './chat.dto';

/** Multer's view of an uploaded file (memory storage). */
interface UploadedImage {
  readonly buffer: Buffer;
  readonly size: number;
}

const TURN_DESCRIPTION =
  'One turn of the shopping assistant, in English or Simplified Chinese: a search from a description ("red sneakers ' +
  'under 50 euros"), refinements ("cheaper", "only in stock", "in blue instead", "not that brand", "sort by price", ' +
  '"show more"), references ("the second one", "it", "the cheaper of the two"), product questions (answered as ' +
  '`POST /v1/products/{id}/ask` answers, in `answer`), comparisons (a fact table from the catalog, in `comparison`), ' +
  '"more like the third", "start over", help, and honest replies to order, return or payment requests. Send JSON, or ' +
  'multipart/form-data with a picture in part `image` (products like it; the message may steer it: "like this but ' +
  'in red"). Every product shown satisfies the price/currency, category, brand and stock constraints in force. With ' +
  '`Accept: text/event-stream` the same turn comes as server-sent events: `conversation`, `products`, `message`, ' +
  '`answer`/`comparison` when present, then `done` with the whole response.';

@ApiTags('chat')
@ApiExtraModels(ChatRequestDto)
@ApiResponse({ status: 400, description: 'invalid request (the field is named)', type: ApiErrorDto })
@ApiResponse({
  status: 404,
  description: 'no such conversation (unknown, forgotten or expired)',
  type: ApiErrorDto,
})
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly conversations: ConversationRepository,
  ) {}

  @Post()
  @HttpCode(200)
  @Consumes('application/json', 'multipart/form-data')
  @UseInterceptors(ImageUpload('image'))
  @ApiOperation({ summary: 'Talk to the shopping assistant', description: TURN_DESCRIPTION })
  @ApiBody({ schema: { $ref: getSchemaPath(ChatRequestDto) } })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiResponse({ status: 413, description: 'body or image too large', type: ApiErrorDto })
  @ApiResponse({ status: 415, description: 'not an image format we decode', type: ApiErrorDto })
  async turn(
    @UploadedFile() file: UploadedImage | undefined,
    @Body() dto: ChatRequestDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    if (dto.image !== undefined)
      throw new ValidationError('image must be sent as a file part of a multipart/form-data request', {
        field: 'image',
      });
    if (file && file.size === 0) throw new ValidationError('the uploaded image is empty', { field: 'image' });
    if (!file && (dto.message === undefined || dto.message.length === 0))
      throw new ValidationError('message must not be empty', { field: 'message' });
    // The turn runs before anything is written: a bad request or an unknown conversation is a plain JSON error.
    const result = toChatResponse(
      await this.chat.turn({
        ...(dto.conversationId !== undefined ? { conversationId: dto.conversationId } : {}),
        message: dto.message ?? '',
        ...(file ? { image: file.buffer } : {}),
      }),
    );
    if (!wantsEventStream(req)) {
      void res.code(200).send(result);
      return;
    }
    // The whole turn is known by now: its events go out as one answer.
    const events: string[] = [];
    const send = (event: string, data: unknown) =>
      events.push(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('conversation', { conversationId: result.conversationId, intent: result.intent, lang: result.lang });
    send('products', result.products);
    send('message', { text: result.message });
    if (result.answer) send('answer', result.answer);
    if (result.comparison) send('comparison', result.comparison);
    send('done', result);
    void res
      .code(200)
      .header('Content-Type', 'text/event-stream; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Accel-Buffering', 'no')
      .send(events.join(''));
  }

  @Get(':id')
  @ApiOperation({
    summary: "A conversation's turns",
    description: 'Oldest first; assistant turns carry what they showed.',
  })
  @ApiOkResponse({ type: ChatConversationDto })
  async get(@Param('id') id: string): Promise<ChatConversationDto> {
    const turns = await this.conversations.turns(id);
    if (!turns) throw new NotFoundError('conversation', id);
    return { conversationId: id, turns: turns.map(toChatTurnDto) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget a conversation', description: 'Deletes its turns and state at once.' })
  @ApiNoContentResponse({ description: 'forgotten' })
  async forget(@Param('id') id: string): Promise<void> {
    if (!(await this.conversations.delete(id))) throw new NotFoundError('conversation', id);
    this.chat.forget(id);
  }
}

function wantsEventStream(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}
