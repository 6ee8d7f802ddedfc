// The shopper's words → intent and slots, English and Simplified Chinese, without a model.
export {
  INTENTS,
  type ClearableSlot,
  LANGUAGES,
  OUT_OF_SCOPE_TOPICS,
  SORT_ORDERS,
  type Intent,
  type Lang,
  type OutOfScopeTopic,
  type ParsedTurn,
  type PriceSlot,
  type ProductReference,
  type Slots,
  type SortOrder,
  type Vocabulary,
} from './types';
export { parseUtterance } from './parse-utterance';
// Words the assistant's reply check and tool validation read too.
export { COLOURS_EN, COLOURS_ZH } from './lexicon';
