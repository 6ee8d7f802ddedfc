export {
  ChatCompletionsClient,
  type ChatCompletion,
  type ChatCompletionsSettings,
  type ChatMessage,
  type ChatPart,
} from './chat-completions.client';
export { ChatModule, CHAT_COMPLETIONS } from './chat.module';
