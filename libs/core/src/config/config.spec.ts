import * as path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs fully embedded when nothing is configured', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c.dataDir).toBe('/srv/app/.vitrine');
    expect(c.database).toEqual({
      kind: 'pglite',
      dir: path.join('/srv/app/.vitrine', 'pglite'),
      queryTimeoutMs: 30_000,
    });
    expect(c.queue).toEqual({ kind: 'in-process' });
    expect(c.vectors).toEqual({ kind: 'embedded', dir: path.join('/srv/app/.vitrine', 'vectors') });
    expect(c.embedding.device).toBe('cpu');
    expect(c.http.port).toBe(3000);
  });

  it('bounds catalog queries in both modes (DATABASE_QUERY_TIMEOUT_MS) and refuses no bound at all', () => {
    expect(loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '5000' }).database.queryTimeoutMs).toBe(5000);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://root@127.0.0.1:5432/test', DATABASE_QUERY_TIMEOUT_MS: '5000' })
        .database.queryTimeoutMs,
    ).toBe(5000);
    expect(() => loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '0' })).toThrow(/DATABASE_QUERY_TIMEOUT_MS/);
  });

  it('uses the external services that are configured', () => {
    const c = loadConfig(
      {
        DATABASE_URL: 'postgres://root@127.0.0.1:5432/test',
        REDIS_URL: 'redis://127.0.0.1:6379',
        QDRANT_URL: 'http://localhost:6333',
        ADMIN_API_KEYS: 'a, b,,c',
        IMAGE_FETCH_ALLOW_PRIVATE: 'true',
      },
      '/x',
    );
    expect(c.database).toMatchObject({ kind: 'postgres', url: 'postgres://root@127.0.0.1:5432/test' });
    expect(c.queue).toMatchObject({ kind: 'redis', prefix: 'vitrine' });
    expect(c.vectors).toMatchObject({ kind: 'qdrant', url: 'http://localhost:6333' });
    expect(c.http.adminApiKeys).toEqual(['a', 'b', 'c']);
    expect(c.images.fetchAllowPrivate).toBe(true);
  });

  it('configures the Qdrant collection layout, quantisation and alias wait, and refuses what cannot work', () => {
    const url = { QDRANT_URL: 'http://qdrant:6333' };
    expect(loadConfig(url).vectors).toEqual({
      kind: 'qdrant',
      url: 'http://qdrant:6333',
      apiKey: undefined,
      quantization: 'none',
      oversampling: 2,
      shards: undefined,
      replicationFactor: undefined,
      writeConsistencyFactor: undefined,
      onDiskVectors: false,
      readyTimeoutMs: 600_000,
    });
    expect(
      loadConfig({
        ...url,
        QDRANT_SHARDS: '6',
        QDRANT_REPLICATION_FACTOR: '2',
        QDRANT_WRITE_CONSISTENCY: '2',
        QDRANT_ON_DISK_VECTORS: 'true',
        QDRANT_QUANTIZATION: 'int8',
        QDRANT_OVERSAMPLING: '3',
        QDRANT_READY_TIMEOUT_MS: '60000',
      }).vectors,
    ).toMatchObject({
      shards: 6,
      replicationFactor: 2,
      writeConsistencyFactor: 2,
      onDiskVectors: true,
      quantization: 'int8',
      oversampling: 3,
      readyTimeoutMs: 60_000,
    });
    expect(() => loadConfig({ ...url, QDRANT_SHARDS: '0' })).toThrow(/QDRANT_SHARDS/);
    expect(() => loadConfig({ ...url, QDRANT_REPLICATION_FACTOR: 'two' })).toThrow(
      /QDRANT_REPLICATION_FACTOR/,
    );
    expect(() => loadConfig({ ...url, QDRANT_ON_DISK_VECTORS: 'maybe' })).toThrow(/QDRANT_ON_DISK_VECTORS/);
    expect(() => loadConfig({ ...url, QDRANT_READY_TIMEOUT_MS: '10' })).toThrow(/QDRANT_READY_TIMEOUT_MS/);
    expect(() =>
      loadConfig({ ...url, QDRANT_WRITE_CONSISTENCY: '3', QDRANT_REPLICATION_FACTOR: '2' }),
    ).toThrow(/QDRANT_WRITE_CONSISTENCY: 3 replicas cannot acknowledge/);
    expect(() => loadConfig({ ...url, QDRANT_WRITE_CONSISTENCY: '2' })).toThrow(/QDRANT_WRITE_CONSISTENCY/);
    expect(() => loadConfig({ ...url, QDRANT_OVERSAMPLING: '3' })).toThrow(
      /QDRANT_OVERSAMPLING: applies to quantised searches only/,
    );
    expect(() => loadConfig({ QDRANT_SHARDS: '3' })).toThrow(/QDRANT_SHARDS: applies to Qdrant only/);
  });

  it('configures the answerer endpoint only with a model name', () => {
    expect(loadConfig({}).insights.answerer).toBeUndefined();
    const c = loadConfig({
      ANSWERER_URL: 'http://gpu:8000/v1',
      ANSWERER_MODEL: 'qwen2-vl',
      VQA_MIN_CONFIDENCE: '0.7',
    });
    expect(c.insights.answerer).toEqual({
      url: 'http://gpu:8000/v1',
      model: 'qwen2-vl',
      apiKey: undefined,
      timeoutMs: 30_000,
    });
    expect(c.insights.vqaMinConfidence).toBe(0.7);
    expect(() => loadConfig({ ANSWERER_URL: 'http://gpu:8000/v1' })).toThrow(/ANSWERER_MODEL: required/);
    expect(() => loadConfig({ VQA_MIN_CONFIDENCE: '2' })).toThrow(/VQA_MIN_CONFIDENCE/);
  });

  it('takes the share of failed products a full reindex may switch the alias with, 1% unless set', () => {
    expect(loadConfig({}).indexer.reindexMaxFailedRatio).toBe(0.01);
    expect(loadConfig({ REINDEX_MAX_FAILED_RATIO: '0' }).indexer.reindexMaxFailedRatio).toBe(0);
    expect(loadConfig({ REINDEX_MAX_FAILED_RATIO: '0.25' }).indexer.reindexMaxFailedRatio).toBe(0.25);
    for (const bad of ['-0.1', '1.5', '1%', 'some'])
      expect(() => loadConfig({ REINDEX_MAX_FAILED_RATIO: bad })).toThrow(/REINDEX_MAX_FAILED_RATIO/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('pglite');
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EMBEDDING_DEVICE: 'tpu' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('PORT');
    expect(msg).toContain('DATABASE_URL');
    expect(msg).toContain('EMBEDDING_DEVICE');
  });

  describe('in production', () => {
    const strong = 'f'.repeat(31) + '0';

    it.each([
      ['no key', {}, /ADMIN_API_KEYS: required when NODE_ENV=production/],
      ['an empty value', { ADMIN_API_KEYS: ' , ' }, /ADMIN_API_KEYS: required when NODE_ENV=production/],
      ['the compose placeholder', { ADMIN_API_KEYS: 'change-me' }, /ADMIN_API_KEYS: key 1 is a placeholder/],
      [
        'a short key beside a good one',
        { ADMIN_API_KEYS: `${strong},hunter2hunter2` },
        /key 2 has 14 characters/,
      ],
    ])('refuses to boot with %s', (_what, env: Record<string, string>, message) => {
      let err: unknown;
      try {
        loadConfig({ NODE_ENV: 'production', ...env });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(message);
      // The refusal names the variable, never the key itself (boot errors end up in logs).
      expect((err as ConfigError).message).not.toContain('hunter2');
    });

    it('boots with keys of 32 characters or more, with /docs and /metrics off unless asked for', () => {
      const c = loadConfig({ NODE_ENV: 'production', ADMIN_API_KEYS: strong });
      expect(c.http.adminApiKeys).toEqual([strong]);
      expect(c.http.docs.enabled).toBe(false);
      expect(c.http.metrics).toEqual({ enabled: false, apiKey: undefined });
      const on = loadConfig({
        NODE_ENV: 'production',
        ADMIN_API_KEYS: strong,
        DOCS_ENABLED: 'true',
        DOCS_PATH: '/ops/docs/',
        METRICS_ENABLED: 'true',
        METRICS_API_KEY: 'scrape-key-0123456789',
      });
      expect(on.http.docs).toEqual({ enabled: true, path: 'ops/docs' });
      expect(on.http.metrics).toEqual({ enabled: true, apiKey: 'scrape-key-0123456789' });
    });

    it('does not apply the key rules outside production', () => {
      const c = loadConfig({ ADMIN_API_KEYS: 'change-me' });
      expect(c.http.adminApiKeys).toEqual(['change-me']);
      expect(c.http.docs).toEqual({ enabled: true, path: 'docs' });
      expect(c.http.metrics.enabled).toBe(true);
    });
  });

  it('trusts X-Forwarded-For only from the proxies named in TRUST_PROXY', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: "true" would let any client/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback,proxy.internal' })).toThrow(/"proxy.internal" is not/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  it('refuses a docs path that is not a plain URL path', () => {
    expect(() => loadConfig({ DOCS_PATH: '../docs' })).toThrow(/DOCS_PATH/);
    expect(() => loadConfig({ DOCS_PATH: 'a b' })).toThrow(/DOCS_PATH/);
  });
});
