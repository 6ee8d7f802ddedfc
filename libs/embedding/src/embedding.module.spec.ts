import { Test } from '@nestjs/testing';
import { ConfigModule, DomainError, loadConfig } from '@vitrine/core';
import { TINY_CLIP } from '../test-fixtures/fixtures';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from './embedding-provider';
import { EmbeddingModule } from './embedding.module';

describe('EmbeddingModule.forRoot', () => {
  it('loads the model from AppConfig once and closes it on shutdown', async () => {
    const config = loadConfig({ MODEL_DIR: TINY_CLIP, EMBEDDING_BATCH_SIZE: '2' });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), EmbeddingModule.forRoot()],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const provider = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
    expect(provider.modelId).toMatch(/^tiny-clip@/);
    expect(provider.dim).toBe(8);
    const [e] = await provider.embedTexts(['a cat']);
    expect(e!.modelId).toBe(provider.modelId);
    await app.close();
    await expect(provider.embedText('a cat')).rejects.toBeInstanceOf(DomainError);
  });

  it('stops boot with MODEL_INVALID when the model directory is wrong', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({ MODEL_DIR: '/nonexistent' })), EmbeddingModule.forRoot()],
    });
    await expect(moduleRef.compile()).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });
});
