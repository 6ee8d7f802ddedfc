/** One latency or throughput distribution of an autocannon run (ms or requests/s). */
export interface AutocannonStat {
  p50: number;
  p99: number;
  average: number;
  max: number;
  total: number;
}

export interface AutocannonResult {
  latency: AutocannonStat;
  requests: AutocannonStat;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface AutocannonRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …how many requests to send. */
  amount?: number;
  requests: AutocannonRequest[];
}

/** autocannon (the load generator of the HTTP benchmarks), typed: it ships no types of its own. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const autocannon = require('autocannon') as (o: AutocannonOptions) => Promise<AutocannonResult>;
