export {
  INTENTS,
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
} from './nlu/types';
export { parseUtterance } from './nlu/parse-utterance';
