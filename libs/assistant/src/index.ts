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
} from './nlu/types';
export { parseUtterance } from './nlu/parse-utterance';
export {
  initialState,
  nextFilters,
  resolveReferences,
  satisfies,
  type ChatFilters,
  type DialogueState,
  type ReferenceProblem,
  type SearchSource,
  type ShownProduct,
} from './dialogue/state';
export {
  ChatService,
  CHAT_PAGE_SIZE,
  MAX_CHAT_MESSAGE_CHARS,
  type ChatAnswer,
  type ChatCatalog,
  type ChatConversations,
  type ChatDependencies,
  type ChatProduct,
  type ChatQuestions,
  type ChatSearch,
  type ChatTurnRequest,
  type ChatTurnResult,
  type Comparison,
} from './chat.service';
export { checkReply, type ReplyFacts } from './remote/checked-reply';
export { RemoteReplyWriter, type ReplyWriter } from './remote/remote-reply-writer';
export {
  ConversationRepository,
  type NewTurn,
  type StoredTurn,
  type TurnRole,
} from './store/conversation.repository';
export { ASSISTANT_MIGRATIONS } from './migrations/1765000000000-chat-conversations';
export { AssistantModule, ConversationJanitor } from './assistant.module';
