import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiMetrics } from './api-metrics';

/**
 * Observes every response's latency under its route pattern (`/v1/products/:id/similar`, never the raw path, so
 * label cardinality stays bounded); unmatched paths share one label. `onRequest` starts the timer, `onResponse`
 * (the answer is sent) records it.
 */
export function httpMetricsHooks(metrics: ApiMetrics) {
  const timers = new WeakMap<FastifyRequest, ReturnType<ApiMetrics['httpDuration']['startTimer']>>();
  return {
    onRequest(req: FastifyRequest): void {
      timers.set(req, metrics.httpDuration.startTimer());
    },
    onResponse(req: FastifyRequest, reply: FastifyReply): void {
      const end = timers.get(req);
      if (!end) return;
      // Fastify's not-found handler (Nest's 404) has no route pattern: unmatched.
      const path = req.is404 ? undefined : req.routeOptions.url;
      end({ method: req.method, route: path ?? 'unmatched', status: String(reply.statusCode) });
    },
  };
}
