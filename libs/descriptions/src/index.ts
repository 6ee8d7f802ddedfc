export { DESCRIPTION_STYLES, type DescriptionStyle } from './description-style';
export { factSheet, type Fact } from './fact-sheet';
export { composeDescription, TEMPLATE_GENERATOR } from './templates';
export { findContradictions, type Contradiction, type ContradictionVocabulary } from './contradictions';
export { DescriptionService, DescriptionComposer, type ComposedDescription } from './description.service';
export {
  DescriptionDraftRepository,
  DRAFT_STATUSES,
  type DescriptionDraft,
  type DraftPage,
  type DraftStatus,
} from './storage/description.repository';
export { DESCRIPTION_MIGRATIONS } from './migrations/1764700000001-description-drafts';
export { DescriptionsModule, type DescriptionEvaluationOptions } from './descriptions.module';
