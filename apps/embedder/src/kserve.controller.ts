import {
  Catch,
  Controller,
  Get,
  Header,
  HttpException,
  Logger,
  Param,
  Post,
  Req,
  Res,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '@vitrine/core';
import { EmbeddingGraphServer, kserve } from '@vitrine/embedding';
import { EmbedderMetrics } from './embedder-metrics';

/** HTTP status of an error, and the code that travels beside the KServe `error` message. */
function describe(e: unknown): { status: number; code: string; message: string } {
  if (e instanceof kserve.ProtocolError)
    return { status: 400, code: 'VALIDATION_FAILED', message: e.message };
  if (e instanceof DomainError) {
    const status =
      e.code === 'NOT_FOUND'
        ? 404
        : e.code === 'VALIDATION_FAILED'
          ? 400
          : e.code === 'OVERLOADED' || e.code === 'UNAVAILABLE'
            ? 503
            : 500;
    return { status, code: e.code, message: e.message };
  }
  if (e instanceof HttpException) return { status: e.getStatus(), code: 'HTTP', message: e.message };
  // body-parser's errors (413 over the limit, 400 cut bodies) carry their status.
  const status = (e as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return {
      status,
      code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
      message: (e as Error).message,
    };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** Every error as KServe's `{ "error": "..." }` (plus Vitrine's `code`), with the status it maps to. */
@Catch()
export class KServeErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Embedder');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, code, message } = describe(exception);
    if (status >= 500 && code !== 'OVERLOADED' && code !== 'UNAVAILABLE')
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    res.status(status).json({ error: message, code });
  }
}

/**
 * The KServe v2 / Triton HTTP inference protocol over the model's two graphs (`text_model`, `vision_model`):
 * health, server and model metadata, model configuration (with the model id clients check) and inference, with
 * Triton's binary tensor extension in both directions.
 */
@Controller('v2')
export class KServeController {
  constructor(
    private readonly server: EmbeddingGraphServer,
    private readonly metrics: EmbedderMetrics,
  ) {}

  @Get()
  metadata(): { name: string; version: string; extensions: string[] } {
    return {
      name: 'vitrine-embedder',
      version: '2',
      extensions: ['binary_tensor_data', 'model_configuration'],
    };
  }

  @Get('health/live')
  live(): Record<string, never> {
    return {};
  }

  @Get('health/ready')
  ready(@Res({ passthrough: true }) res: Response): Record<string, never> {
    if (!this.server.ready) res.status(503);
    return {};
  }

  @Get('models/:name')
  model(@Param('name') name: string): kserve.V2ModelMetadata {
    return this.server.metadata(name);
  }

  @Get('models/:name/ready')
  modelReady(@Param('name') name: string, @Res({ passthrough: true }) res: Response): Record<string, never> {
    this.server.metadata(name);
    if (!this.server.ready) res.status(503);
    return {};
  }

  @Get('models/:name/config')
  config(@Param('name') name: string): kserve.V2ModelConfig {
    return this.server.config(name);
  }

  /** The body is raw bytes (see configureEmbedder): JSON, or a JSON header and binary tensors. */
  @Post('models/:name/infer')
  async infer(@Param('name') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const started = performance.now();
    let priority: 'interactive' | 'bulk' = 'bulk';
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const length = req.header(kserve.INFERENCE_HEADER_CONTENT_LENGTH);
      const { header, tensors } = kserve.decodeBody<kserve.V2InferRequest>(
        body,
        length === undefined ? undefined : Number(length),
        'inputs',
      );
      priority = header.parameters?.[kserve.PRIORITY_PARAMETER] === 1 ? 'interactive' : 'bulk';
      const outputs = await this.server.infer(name, tensors, priority);
      // Binary unless the request asked for JSON numbers (or named no outputs and sent no binary input).
      const asked = header.outputs?.[0]?.parameters?.binary_data;
      const binary = asked ?? length !== undefined;
      const { body: out, headerLength } = kserve.encodeBody(
        {
          ...(header.id === undefined ? {} : { id: header.id }),
          model_name: name,
          model_version: '1',
          parameters: { [kserve.MODEL_ID_PARAMETER]: this.server.modelId },
        },
        'outputs',
        outputs,
        binary,
      );
      res.status(200);
      res.setHeader(
        'content-type',
        headerLength === undefined ? 'application/json' : 'application/octet-stream',
      );
      if (headerLength !== undefined)
        res.setHeader(kserve.INFERENCE_HEADER_CONTENT_LENGTH, String(headerLength));
      res.end(out);
      this.metrics.requests.inc({ model: name, outcome: 'ok' });
    } catch (e) {
      const { status, code, message } = describe(e);
      this.metrics.requests.inc({ model: name, outcome: code });
      res.status(status).json({ error: message, code });
    } finally {
      this.metrics.requestDuration.observe({ model: name, priority }, (performance.now() - started) / 1000);
    }
  }
}

/** Prometheus scrape endpoint. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly server: EmbeddingGraphServer,
    private readonly metrics: EmbedderMetrics,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    this.metrics.pendingRows.set(this.server.pending());
    return this.metrics.registry.metrics();
  }
}
