import type { ComponentChildren } from 'preact';
import type { Money, ProductCard as Card, Range } from '../api';
import { linkClick } from '../router';

export function formatPrice(p: Money | null): string {
  if (!p) return 'Price on request';
  const n = Number(p.amount);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(n);
  } catch {
    return `${p.amount} ${p.currency}`;
  }
}

/** Text with its ranges marked: text nodes and <mark> elements, never HTML from the API. */
export function Highlighted({ text, ranges }: { text: string; ranges?: Range[] }) {
  if (!ranges?.length) return <>{text}</>;
  const parts: ComponentChildren[] = [];
  let at = 0;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (const [start, end] of sorted) {
    const s = Math.max(start, at);
    const e = Math.min(end, text.length);
    if (e <= s) continue;
    if (s > at) parts.push(text.slice(at, s));
    parts.push(<mark key={s}>{text.slice(s, e)}</mark>);
    at = e;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

export function StockBadge({ inStock }: { inStock: boolean }) {
  return <span class={inStock ? 'stock in' : 'stock out'}>{inStock ? 'In stock' : 'Out of stock'}</span>;
}

export function ProductTile(props: { item: Card; onOpen?: () => void; headingLevel?: 2 | 3 }) {
  const { item } = props;
  const href = `/products/${encodeURIComponent(item.id)}`;
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <li class="tile">
      <a
        href={href}
        class="tile-link"
        onClick={(e) => {
          props.onOpen?.();
          linkClick(e);
        }}
      >
        <div class="tile-img">
          {item.imageUrl ? (
            <img src={item.imageUrl} alt="" loading="lazy" width={240} height={240} />
          ) : (
            <span class="no-img" aria-hidden="true">
              No picture
            </span>
          )}
        </div>
        <Heading class="tile-title" lang={item.locale ?? undefined}>
          <Highlighted text={item.title} ranges={item.highlights?.title} />
        </Heading>
      </a>
      <p class="tile-meta">{[item.brand, item.category].filter(Boolean).join(' · ')}</p>
      <p class="tile-price">
        <span class="price">{formatPrice(item.price)}</span> <StockBadge inStock={item.inStock} />
      </p>
    </li>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
