import { useEffect, useRef, useState } from 'preact/hooks';
import { chat, type ProductCard } from '../api';
import { ErrorNote, ProductTile } from './common';

interface Turn {
  role: 'user' | 'assistant';
  text: string;
  products?: ProductCard[];
}

/** The shopping assistant (POST /v1/chat): a side panel whose replies show their products as cards. */
export function ChatPanel(props: { onClose: () => void }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversation = useRef<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  const log = useRef<HTMLDivElement>(null);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [turns]);

  const send = (e: Event) => {
    e.preventDefault();
    const message = text.trim();
    if (!message || busy) return;
    setTurns((t) => [...t, { role: 'user', text: message }]);
    setText('');
    setBusy(true);
    setError(null);
    chat(message, conversation.current)
      .then((r) => {
        conversation.current = r.conversationId;
        setTurns((t) => [...t, { role: 'assistant', text: r.message, products: r.products }]);
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };

  return (
    <aside
      class="chat"
      aria-labelledby="chat-h"
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose();
      }}
    >
      <header>
        <h2 id="chat-h">Shopping assistant</h2>
        <button type="button" class="link" onClick={props.onClose} aria-label="Close the assistant">
          ✕
        </button>
      </header>
      <div class="chat-log" ref={log} aria-live="polite">
        {turns.length === 0 ? (
          <p class="hint">
            Ask for what you need: “red sneakers under 50 euros”, “is the first one in stock?”
          </p>
        ) : null}
        {turns.map((t, i) => (
          <div key={i} class={`turn ${t.role}`}>
            <p class="visually-hidden">{t.role === 'user' ? 'You said:' : 'Assistant:'}</p>
            <p class="bubble">{t.text}</p>
            {t.products?.length ? (
              <ul class="grid chat-cards" aria-label="Products from the assistant">
                {t.products.slice(0, 6).map((p) => (
                  <ProductTile key={p.id} item={p} headingLevel={3} />
                ))}
              </ul>
            ) : null}
          </div>
        ))}
        {busy ? <p class="hint">The assistant is thinking…</p> : null}
        {error ? <ErrorNote error={error} /> : null}
      </div>
      <form class="row" onSubmit={send}>
        <label for="chat-input" class="visually-hidden">
          Message to the assistant
        </label>
        <input
          id="chat-input"
          ref={input}
          value={text}
          maxLength={1000}
          placeholder="Type a message"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          Send
        </button>
      </form>
    </aside>
  );
}
