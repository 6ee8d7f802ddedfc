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
  CHAT_TOOLS,
  ChatToolbox,
  MAX_TOOL_RESULTS,
  TOOL_NAMES,
  narrowed,
  parseToolCall,
  type ToolAnswer,
  type ToolCallRequest,
  type ToolDependencies,
  type ToolName,
  type ToolProduct,
  type ToolTurn,
} from './remote/chat-tools';
export {
  MAX_TOOL_ROUNDS,
  RemoteToolPlanner,
  toolReply,
  type PlanInput,
  type ToolReply,
  type TurnPlanner,
} from './remote/tool-planner';
export {
  ConversationRepository,
  type NewTurn,
  type StoredTurn,
  type TurnRole,
} from './store/conversation.repository';
export { ASSISTANT_MIGRATIONS } from './migrations/1765000000000-chat-conversations';
export { AssistantModule, ConversationJanitor } from './assistant.module';
