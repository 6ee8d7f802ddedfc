import { useEffect, useState } from 'preact/hooks';
import { ask, product, sendEvent, similar, type Answer, type ProductCard, type ProductDetail } from '../api';
import { ErrorNote, formatPrice, ProductTile, StockBadge } from '../components/common';

export function ProductPage({ id }: { id: string }) {
  const [p, setP] = useState<ProductDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [similarItems, setSimilar] = useState<ProductCard[] | null>(null);
  const [image, setImage] = useState(0);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [added, setAdded] = useState(false);
  const [showHeatmap, setShowHeatmap] = useState(true);

  useEffect(() => {
    setP(null);
    setError(null);
    setSimilar(null);
    setImage(0);
    setAnswer(null);
    setAdded(false);
    product(id)
      .then((d) => {
        setP(d);
        document.title = `${d.title} · Vitrine`;
      })
      .catch(setError);
    // Similar products are extra: a product not indexed yet (409) simply has none to show.
    similar(id)
      .then((r) => setSimilar(r.items))
      .catch(() => setSimilar([]));
  }, [id]);

  if (error) return <ErrorNote error={error} />;
  if (!p)
    return (
      <p role="status" class="count">
        Loading product…
      </p>
    );

  const current = p.images[image];
  const extracted = p.attributes?.extracted ?? [];
  const catalogAttrs = Object.entries(p.attributes?.catalog ?? {});

  return (
    <article class="product" aria-labelledby="product-title">
      <div class="gallery">
        <div class="main-img">
          {current ? (
            <img
              src={current.url}
              alt={p.title}
              width={current.width ?? 480}
              height={current.height ?? 480}
            />
          ) : (
            <span class="no-img">No picture</span>
          )}
          {answer?.heatmap && showHeatmap && image === 0 ? (
            <img
              class="heatmap"
              src={answer.heatmap.png}
              alt={`Where the picture matches “${answer.heatmap.prompt}”`}
            />
          ) : null}
        </div>
        {answer?.heatmap ? (
          <label class="heatmap-toggle">
            <input
              type="checkbox"
              checked={showHeatmap}
              onChange={(e) => setShowHeatmap(e.currentTarget.checked)}
            />
            {answer.source === 'catalog'
              ? `Show where the picture matches “${answer.heatmap.prompt}”`
              : `Show where the answer looked (heatmap for “${answer.heatmap.prompt}”)`}
          </label>
        ) : null}
        {p.images.length > 1 ? (
          <ul class="thumbs" aria-label="Pictures">
            {p.images.map((im, i) => (
              <li key={im.position}>
                <button
                  type="button"
                  aria-pressed={i === image}
                  aria-label={`Picture ${i + 1}`}
                  onClick={() => setImage(i)}
                >
                  <img src={im.url} alt="" width={64} height={64} />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <div class="details">
        <p class="crumbs">{[p.category, p.brand].filter(Boolean).join(' · ')}</p>
        <h1 id="product-title" lang={p.locale ?? undefined}>
          {p.title}
        </h1>
        <p class="big-price">
          {formatPrice(p.price)} <StockBadge inStock={p.inStock} />
        </p>
        <button
          type="button"
          class="primary"
          disabled={!p.inStock || added}
          onClick={() => {
            const queryId = sessionStorage.getItem(`vitrine.query.${p.id}`);
            sendEvent({ type: 'add_to_cart', productId: p.id, ...(queryId ? { queryId } : {}) });
            setAdded(true);
          }}
        >
          {added ? 'Added to cart' : 'Add to cart'}
        </button>
        {added ? (
          <p class="hint" role="status">
            This demo shop has no real cart: the click was recorded for the shop's analytics.
          </p>
        ) : null}
        <section aria-labelledby="desc-h">
          <h2 id="desc-h">Description</h2>
          {/* An approved generated text is in the catalog's language: a translation shown instead wins. */}
          {p.approvedDescription && !p.locale ? (
            <p>{p.approvedDescription.text}</p>
          ) : p.description ? (
            <p lang={p.locale ?? undefined}>{p.description}</p>
          ) : (
            <p class="hint">The catalog has no description for this product.</p>
          )}
        </section>
        {catalogAttrs.length || extracted.length ? (
          <section aria-labelledby="attr-h">
            <h2 id="attr-h">Details</h2>
            <dl class="attrs">
              {catalogAttrs.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{attrText(v)}</dd>
                </div>
              ))}
              {extracted.map((a) => (
                <div key={`x-${a.name}`}>
                  <dt>{a.name}</dt>
                  <dd>
                    {a.value}{' '}
                    <span class="confidence" title="read from the picture by the model">
                      from the picture, {Math.round(a.confidence * 100)}% sure
                    </span>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ) : null}
        <AskBox productId={p.id} answer={answer} onAnswer={setAnswer} />
      </div>
      <section class="similar" aria-labelledby="similar-h">
        <h2 id="similar-h">Similar products</h2>
        {similarItems === null ? (
          <p class="hint">Loading…</p>
        ) : similarItems.length === 0 ? (
          <p class="hint">No similar products to show.</p>
        ) : (
          <ul class="grid small">
            {similarItems.map((item) => (
              <ProductTile key={item.id} item={item} headingLevel={3} />
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}

function AskBox(props: { productId: string; answer: Answer | null; onAnswer: (a: Answer | null) => void }) {
  const [question, setQuestion] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const a = props.answer;
  return (
    <section class="ask" aria-labelledby="ask-h">
      <h2 id="ask-h">Ask about this product</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!question.trim()) return;
          setBusy(true);
          setError(null);
          ask(props.productId, question.trim())
            .then(props.onAnswer)
            .catch(setError)
            .finally(() => setBusy(false));
        }}
      >
        <label for="question">Your question</label>
        <div class="row">
          <input
            id="question"
            value={question}
            maxLength={500}
            placeholder="What colour is it? Is it waterproof?"
            onInput={(e) => setQuestion(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy || !question.trim()}>
            {busy ? 'Asking…' : 'Ask'}
          </button>
        </div>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      <div aria-live="polite">
        {a ? (
          <div class={a.answered ? 'answer' : 'answer unknown'}>
            <p class="answer-text">
              {a.answered ? a.answer : `We can't tell from the catalog or the picture. ${a.answer}`}
            </p>
            <p class="hint">
              {a.answered ? `${Math.round(a.confidence * 100)}% sure · ` : ''}
              {a.explanation}
            </p>
            {a.evidence?.length ? (
              <blockquote class="evidence">
                {a.evidence.map((ev, i) => (
                  <p key={i}>
                    <span class="field">{ev.field}:</span> “{ev.text}”
                  </p>
                ))}
              </blockquote>
            ) : null}
            {a.heatmap ? (
              <p class="hint">
                {a.source === 'catalog'
                  ? 'The answer comes from the catalog; the highlighted areas show where the picture matches it.'
                  : 'The highlighted areas of the picture are what the answer looked at.'}
              </p>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}

function attrText(v: unknown): string {
  if (Array.isArray(v)) return v.map(attrText).join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}
