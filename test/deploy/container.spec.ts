import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * No Docker engine runs in CI: these checks read docker-compose.yml (as Compose would, anchors merged), the
 * Dockerfile and .dockerignore, and hold them to what the operator guide promises.
 */
const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  restart?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const apps = Object.entries(services).filter(([, s]) => s.command?.some((c) => c.startsWith('dist/apps/')));

describe('docker-compose.yml', () => {
  it('runs the whole stack', () => {
    const byDefault = Object.keys(services).filter((name) => services[name]!.profiles === undefined);
    expect(byDefault.sort()).toEqual(['api', 'indexer', 'postgres', 'qdrant', 'redis']);
    expect(apps.map(([name]) => name).sort()).toEqual(['api', 'embedder', 'indexer']);
  });

  it('has the embedding service behind the embedder profile, internal only, and API and indexer can point at it', () => {
    const embedder = services.embedder;
    expect(embedder?.profiles).toEqual(['embedder']);
    expect(embedder?.command).toEqual(['node', 'dist/apps/embedder/src/main.js']);
    expect(embedder?.ports).toBeUndefined();
    expect(embedder?.image).toBe(services.api?.image);
    for (const name of ['api', 'indexer'])
      expect(services[name]?.environment?.EMBEDDING_URL).toBe('${EMBEDDING_URL:-}');
  });

  it('has a three-node Qdrant cluster behind the qdrant-cluster profile: node1 starts it, node2 and node3 join', () => {
    const nodes = Object.entries(services).filter(([, s]) => s.profiles?.includes('qdrant-cluster'));
    expect(nodes.map(([name]) => name).sort()).toEqual(['qdrant-node1', 'qdrant-node2', 'qdrant-node3']);
    for (const [name, s] of nodes) {
      expect(s.profiles).toEqual(['qdrant-cluster']);
      expect(s.environment?.QDRANT__CLUSTER__ENABLED).toBe('true');
      expect(s.command).toEqual(expect.arrayContaining(['--uri', `http://${name}:6335`]));
    }
    expect(services['qdrant-node1']?.command).not.toContain('--bootstrap');
    for (const joiner of ['qdrant-node2', 'qdrant-node3']) {
      expect(services[joiner]?.command).toEqual(
        expect.arrayContaining(['--bootstrap', 'http://qdrant-node1:6335']),
      );
      expect(services[joiner]?.depends_on).toEqual({ 'qdrant-node1': { condition: 'service_healthy' } });
    }
  });

  it('publishes only the API to other hosts; the stores are internal (Qdrant on loopback for test:qdrant)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) {
        if (name === 'api') continue;
        expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
      }
    }
    expect(services.postgres?.ports).toBeUndefined();
    expect(services.redis?.ports).toBeUndefined();
    expect(services.api?.ports).toEqual(['3000:3000']);
  });

  it('gives every service a restart policy and a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(`${name}: ${s.restart}`).toBe(`${name}: unless-stopped`);
      expect(s.healthcheck?.test?.length).toBeGreaterThan(0);
    }
  });

  it('builds the image once and runs it for both the API and the indexer', () => {
    const builders = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(builders.map(([name]) => name)).toEqual(['api']);
    const image = services.api?.image;
    expect(image).toMatch(/^vitrine:/);
    expect(services.indexer?.image).toBe(image);
    expect(services.indexer?.pull_policy).toBe('never');
  });

  it('probes the indexer with its heartbeat check, a script the build produces', () => {
    const test = services.indexer?.healthcheck?.test ?? [];
    expect(test).toEqual(['CMD', 'node', 'dist/apps/indexer/src/healthcheck.js']);
    expect(existsSync(join(ROOT, 'apps/indexer/src/healthcheck.ts'))).toBe(true);
    expect(services.indexer?.environment?.INDEXER_HEARTBEAT_FILE).toMatch(/^\/tmp\//);
  });

  it('has no default admin key: unset, it stays empty and production refuses to boot', () => {
    expect(read('docker-compose.yml')).not.toMatch(/\$\{ADMIN_API_KEYS:?-[^}]/);
    for (const [, s] of apps) expect(s.environment?.ADMIN_API_KEYS).toBe('${ADMIN_API_KEYS:-}');
  });

  it('starts the processes only once the stores are healthy', () => {
    // The embedder uses no store.
    for (const [, s] of apps.filter(([name]) => name !== 'embedder'))
      expect(s.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        qdrant: { condition: 'service_healthy' },
      });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');

  it('builds on a supported Node LTS (an even major of 22 or later)', () => {
    expect(bases.length).toBe(2);
    for (const base of bases) {
      const major = Number(/^node:(\d+)/.exec(base)?.[1]);
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2).toBe(0);
    }
  });

  it("ships production dependencies and only this platform's onnxruntime binaries", () => {
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/find "\$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf/);
    expect(dockerfile).toMatch(
      /find "\$ort\/linux" -mindepth 1 -maxdepth 1 ! -name "\$ort_arch" -exec rm -rf/,
    );
    // The folder the build keeps exists in the package (a renamed folder would leave the image without a runtime).
    expect(existsSync(join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64'))).toBe(true);
  });

  it('runs as an unprivileged user in production mode', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^USER node$/m);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data and host builds out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['.env', '.env.*', 'node_modules', 'dist', '.vitrine', '.git']),
    );
  });
});
