import type { NextFunction, Request, Response } from 'express';
import type { ApiMetrics } from './api-metrics';

/**
 * Observes every response's latency under its route pattern (`/v1/products/:id/similar`, never the raw path, so
 * label cardinality stays bounded); unmatched paths share one label.
 */
export function httpMetricsMiddleware(metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const path = (req.route as { path?: string } | undefined)?.path;
      // Nest answers unknown paths from a catch-all route: count those as unmatched too.
      const route = path === undefined || path.startsWith('/{*') ? 'unmatched' : path;
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
