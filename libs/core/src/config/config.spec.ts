import * as path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs fully embedded when nothing is configured', () => {
    const c = loadConfig({}, '/srv/app');
    expect(c.dataDir).toBe('/srv/app/.vitrine');
    expect(c.database).toEqual({ kind: 'pglite', dir: path.join('/srv/app/.vitrine', 'pglite') });
    expect(c.queue).toEqual({ kind: 'in-process' });
    expect(c.vectors).toEqual({ kind: 'embedded', dir: path.join('/srv/app/.vitrine', 'vectors') });
    expect(c.embedding.device).toBe('cpu');
    expect(c.http.port).toBe(3000);
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
});
