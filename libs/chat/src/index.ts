export {
  ChatCompletionsClient,
  type ChatCompletion,
  type ChatCompletionsSettings,
  type ChatMessage,
  type ChatPart,
  type ChatTool,
  type ChatToolCall,
  type ToolChatMessage,
  type ToolCompletion,
} from './chat-completions.client';
export { ChatModule, CHAT_COMPLETIONS } from './chat.module';
