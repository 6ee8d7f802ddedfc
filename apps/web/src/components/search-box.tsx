import { useEffect, useRef, useState } from 'preact/hooks';
import { suggest, type Suggestion } from '../api';

const DEBOUNCE_MS = 150;

/**
 * The search box with suggestions: an ARIA 1.2 combobox. Arrow keys move through the listbox (the input keeps
 * focus and names the active option with aria-activedescendant), Enter takes the active option or searches the
 * typed words, Escape closes the list.
 */
export function SearchBox(props: { initial: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(props.initial);
  const [items, setItems] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const typed = useRef(false);

  useEffect(() => setText(props.initial), [props.initial]);

  useEffect(() => {
    const q = text.trim();
    if (!typed.current || q === '') {
      setItems([]);
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      suggest(q, ctl.signal)
        .then((r) => {
          setItems(r.suggestions);
          setActive(-1);
          setOpen(r.suggestions.length > 0);
        })
        // Suggestions are a convenience: without them the box still searches.
        .catch(() => setItems([]));
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text]);

  const submit = (q: string) => {
    setOpen(false);
    typed.current = false;
    setText(q);
    if (q.trim()) props.onSearch(q.trim());
  };
  const shown = open && items.length > 0;

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (a <= 0 ? items.length - 1 : a - 1));
    } else if (e.key === 'Escape') {
      setOpen(false);
      setActive(-1);
    } else if (e.key === 'Enter' && shown && active >= 0) {
      e.preventDefault();
      submit(items[active]!.text);
    }
  };

  return (
    <form
      class="search-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        submit(text);
      }}
    >
      <label for="q" class="visually-hidden">
        Search products
      </label>
      <div class="combo">
        <input
          id="q"
          type="search"
          name="q"
          autocomplete="off"
          placeholder="Search products: red sneakers, a gift for a gardener…"
          role="combobox"
          list={undefined}
          aria-autocomplete="list"
          aria-expanded={shown}
          aria-controls="q-suggestions"
          aria-activedescendant={shown && active >= 0 ? `q-opt-${active}` : undefined}
          value={text}
          onInput={(e) => {
            typed.current = true;
            setText(e.currentTarget.value);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        <ul id="q-suggestions" role="listbox" aria-label="Suggestions" class="suggestions" hidden={!shown}>
          {items.map((s, i) => (
            <li
              key={`${s.type}:${s.text}`}
              id={`q-opt-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                submit(s.text);
              }}
            >
              <span>{s.text}</span>
              {s.type !== 'title' && s.type !== 'query' ? <span class="sugg-type">{s.type}</span> : null}
            </li>
          ))}
        </ul>
      </div>
      <button type="submit" class="primary">
        Search
      </button>
    </form>
  );
}
