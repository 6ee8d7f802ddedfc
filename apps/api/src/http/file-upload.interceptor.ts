import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  mixin,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '@vitrine/core';

/** Multer's limits for an image upload: the whole file is held in memory for decoding, so it is capped at what the decoder would accept anyway. */
export function imageUploadLimits(config: AppConfig) {
  return { fileSize: config.images.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 };
}

/**
 * One file in multipart part `field` (memory storage, {@link imageUploadLimits}), into `@UploadedFile()` and the
 * form's fields into `@Body()`. Multer reads the raw request, which the API's content-type parser leaves unread for
 * anything but JSON; Nest's own multer interceptor does the rest (its limits, `413`/`400` for multer's refusals,
 * the closing of array gaps), so uploads answer exactly as they did under Express.
 */
export function ImageUpload(field: string): Type<NestInterceptor> {
  const Multer = FileInterceptor(field);

  @Injectable()
  class ImageUploadInterceptor implements NestInterceptor {
    private readonly multer: NestInterceptor;

    constructor(@Inject(APP_CONFIG) config: AppConfig) {
      this.multer = new Multer({ limits: imageUploadLimits(config) });
    }

    intercept(
      context: ExecutionContext,
      next: CallHandler,
    ): Observable<unknown> | Promise<Observable<unknown>> {
      const http = context.switchToHttp();
      const request = http.getRequest<FastifyRequest & { file?: unknown }>();
      const raw = request.raw as IncomingMessage & { file?: unknown; body?: unknown };
      const response: ServerResponse = http.getResponse<FastifyReply>().raw;
      const onRaw = {
        switchToHttp: () => ({
          getRequest: () => raw,
          getResponse: () => response,
          getNext: () => undefined,
        }),
      } as unknown as ExecutionContext;
      return this.multer.intercept(onRaw, {
        handle: () => {
          request.file = raw.file;
          if (raw.body !== undefined) request.body = raw.body;
          return next.handle();
        },
      });
    }
  }
  return mixin(ImageUploadInterceptor);
}
