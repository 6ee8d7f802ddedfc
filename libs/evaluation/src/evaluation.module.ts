import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '@vitrine/core';
import { EmbeddingModule } from '@vitrine/embedding';
import {
  AttributesModule,
  ColourNamer,
  VocabularyProvider,
  ZeroShotClassifier,
  type AttributeEvaluationOptions,
} from '@vitrine/attributes';
import { EmbeddedAnswerer, QuestionRouter, VqaModule, type VqaEvaluationOptions } from '@vitrine/vqa';
import { DescriptionsModule, type DescriptionEvaluationOptions } from '@vitrine/descriptions';
import type { VqaEvalModels } from './vqa/vqa-eval';

export type EvaluationModuleOptions = AttributeEvaluationOptions & VqaEvaluationOptions;

/**
 * The graphs the evaluations run on, as application contexts (`NestFactory.createApplicationContext`): the product's
 * own modules in their evaluation form, on `config`, with no catalog database and nothing configured touched.
 */
@Module({})
export class EvaluationModule {
  /** The model, the attribute models with pinned vocabularies, and the embedded answerer: {@link vqaEvalModels}. */
  static forVqa(config: AppConfig, options: EvaluationModuleOptions): DynamicModule {
    return {
      module: EvaluationModule,
      imports: [
        ConfigModule.forRoot(config),
        EmbeddingModule.forRoot(),
        AttributesModule.forEvaluation(options),
        VqaModule.forEvaluation(options),
      ],
    };
  }

  /** The description composer (templates, or the endpoint when ANSWERER_URL is set) with a pinned vocabulary. */
  static forDescriptions(config: AppConfig, options: DescriptionEvaluationOptions): DynamicModule {
    return {
      module: EvaluationModule,
      imports: [ConfigModule.forRoot(config), DescriptionsModule.forEvaluation(options)],
    };
  }
}

/** What the VQA evaluation answers with, from a context built on {@link EvaluationModule.forVqa}. */
export function vqaEvalModels(app: INestApplicationContext): VqaEvalModels {
  return {
    router: app.get(QuestionRouter),
    embedded: app.get(EmbeddedAnswerer),
    colours: app.get(ColourNamer),
    classifier: app.get(ZeroShotClassifier),
    vocabularies: app.get(VocabularyProvider),
  };
}
