import {
  applyDecorators,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConsumes } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import typeIs from 'type-is';
import { DomainError } from '@vitrine/core';

const CONSUMES = Symbol('consumes');

/** The media types a route accepts: documented in OpenAPI and enforced by {@link MediaTypeGuard}. */
export const Consumes = (...types: string[]) =>
  applyDecorators(ApiConsumes(...types), SetMetadata(CONSUMES, types));

/**
 * Enforces what {@link Consumes} documents: a request with a body of another media type gets a 415 instead
 * of being parsed as nothing and failing validation with a confusing message. One decorator both documents and
 * enforces.
 */
@Injectable()
export class MediaTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const types = this.reflector.getAllAndOverride<string[] | undefined>(CONSUMES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!types?.length) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || typeIs(req.raw, types)) return true;
    throw new DomainError(
      'UNSUPPORTED_MEDIA',
      `unsupported Content-Type ${req.headers['content-type'] ?? '(none)'}; send ${types.join(' or ')}`,
      { accepted: types },
    );
  }
}
