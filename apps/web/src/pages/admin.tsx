import { useEffect, useRef, useState } from 'preact/hooks';
import {
  admin,
  adminKey,
  ApiError,
  type AdminProduct,
  type Analytics,
  type ImportProgress,
  type IndexFailure,
  type IndexStatus,
  type JobProgress,
  type PendingDescription,
  type SynonymSet,
} from '../api';
import { ErrorNote, formatPrice } from '../components/common';
import { linkClick, navigate } from '../router';

const SECTIONS: [string, string][] = [
  ['catalog', 'Catalog'],
  ['import', 'Import'],
  ['index', 'Index'],
  ['descriptions', 'Descriptions'],
  ['synonyms', 'Synonyms'],
  ['analytics', 'Analytics'],
];
const POLL_MS = 500;

/** The admin console under /admin/<section>; every call carries the key from sessionStorage. */
export function AdminPage({ path }: { path: string }) {
  const [authed, setAuthed] = useState(adminKey.get() !== null);
  const section = path.split('/')[2] || 'catalog';
  if (!authed) return <Login onLogin={() => setAuthed(true)} />;
  const logout = () => {
    adminKey.clear();
    setAuthed(false);
  };
  return (
    <div class="admin">
      <nav class="admin-nav" aria-label="Admin sections">
        <ul>
          {SECTIONS.map(([k, label]) => (
            <li key={k}>
              <a href={`/admin/${k}`} aria-current={k === section ? 'page' : undefined} onClick={linkClick}>
                {label}
              </a>
            </li>
          ))}
        </ul>
        <button type="button" class="link" onClick={logout}>
          Log out
        </button>
      </nav>
      <section class="admin-main" aria-labelledby="admin-h">
        <Section name={section} onUnauthorized={logout} />
      </section>
    </div>
  );
}

function Section({ name, onUnauthorized }: { name: string; onUnauthorized: () => void }) {
  const guard = (e: unknown): unknown => {
    if (e instanceof ApiError && e.status === 401) onUnauthorized();
    return e;
  };
  switch (name) {
    case 'import':
      return <ImportSection guard={guard} />;
    case 'index':
      return <IndexSection guard={guard} />;
    case 'descriptions':
      return <DescriptionsSection guard={guard} />;
    case 'synonyms':
      return <SynonymsSection guard={guard} />;
    case 'analytics':
      return <AnalyticsSection guard={guard} />;
    default:
      return <CatalogSection guard={guard} />;
  }
}

type Guard = { guard: (e: unknown) => unknown };

function Login({ onLogin }: { onLogin: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section class="login" aria-labelledby="login-h">
      <h1 id="login-h">Admin console</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          adminKey.set(key.trim());
          admin
            .verify()
            .then(onLogin)
            .catch((err: unknown) => {
              adminKey.clear();
              setError(err);
            })
            .finally(() => setBusy(false));
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="current-password"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          required
        />
        <p class="hint">One of the server's ADMIN_API_KEYS. Kept in this tab only (sessionStorage).</p>
        <button type="submit" class="primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

function Progress({ done, total, label }: { done: number; total?: number; label: string }) {
  return (
    <div class="progress">
      <progress max={total || undefined} value={total ? done : undefined} aria-label={label} />
      {total ? (
        <span>
          {done} / {total}
        </span>
      ) : null}
    </div>
  );
}

function CatalogSection({ guard }: Guard) {
  const [q, setQ] = useState('');
  const [items, setItems] = useState<AdminProduct[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const load = (query: string, after?: string) =>
    admin
      .products(query, after)
      .then((page) => {
        setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      })
      .catch((e: unknown) => setError(guard(e)));
  useEffect(() => void load(''), []);
  return (
    <>
      <h1 id="admin-h">Catalog</h1>
      <form
        class="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          void load(q.trim());
        }}
      >
        <label for="admin-q" class="visually-hidden">
          Find products by SKU or title
        </label>
        <input
          id="admin-q"
          value={q}
          placeholder="SKU prefix or title words"
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <button type="submit">Find</button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {items ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Products</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Title</th>
                <th scope="col">Price</th>
                <th scope="col">Stock</th>
                <th scope="col">Index</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) =>
                editing === p.id ? (
                  <EditRow
                    key={p.id}
                    p={p}
                    onDone={(updated) => {
                      if (updated)
                        setItems((list) => list!.map((x) => (x.id === p.id ? { ...x, ...updated } : x)));
                      setEditing(null);
                    }}
                    guard={guard}
                  />
                ) : (
                  <tr key={p.id}>
                    <td class="mono">{p.sku}</td>
                    <td>{p.title}</td>
                    <td>{formatPrice(p.price)}</td>
                    <td>{p.inStock ? 'yes' : 'no'}</td>
                    <td>
                      <span class={`state ${p.indexState}`}>{p.indexState}</span>
                    </td>
                    <td>
                      <button
                        type="button"
                        class="small"
                        onClick={() => setEditing(p.id)}
                        aria-label={`Edit ${p.title}`}
                      >
                        Edit
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
          {items.length === 0 ? <p class="hint">No products match.</p> : null}
          {cursor ? (
            <button type="button" onClick={() => void load(q.trim(), cursor)}>
              More
            </button>
          ) : null}
        </div>
      ) : !error ? (
        <p class="hint">Loading…</p>
      ) : null}
    </>
  );
}

function EditRow(props: { p: AdminProduct; onDone: (p: AdminProduct | null) => void } & Guard) {
  const { p } = props;
  const [title, setTitle] = useState(p.title);
  const [amount, setAmount] = useState(p.price?.amount ?? '');
  const [inStock, setInStock] = useState(p.inStock);
  const [error, setError] = useState<unknown>(null);
  const save = () => {
    const patch: Record<string, unknown> = {};
    if (title.trim() !== p.title) patch.title = title.trim();
    if (inStock !== p.inStock) patch.inStock = inStock;
    if (amount.trim() !== (p.price?.amount ?? ''))
      patch.price = amount.trim() ? { amount: amount.trim(), currency: p.price?.currency ?? 'EUR' } : null;
    if (!Object.keys(patch).length) return props.onDone(null);
    admin
      .patchProduct(p.id, patch)
      .then(props.onDone)
      .catch((e: unknown) => setError(props.guard(e)));
  };
  return (
    <tr class="editing">
      <td class="mono">{p.sku}</td>
      <td>
        <input aria-label="Title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        {error ? <ErrorNote error={error} /> : null}
      </td>
      <td>
        <input
          aria-label={`Price in ${p.price?.currency ?? 'EUR'}`}
          inputMode="decimal"
          size={7}
          value={amount}
          onInput={(e) => setAmount(e.currentTarget.value)}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label="In stock"
          checked={inStock}
          onChange={(e) => setInStock(e.currentTarget.checked)}
        />
      </td>
      <td />
      <td class="actions">
        <button type="button" class="small primary" onClick={save}>
          Save
        </button>
        <button type="button" class="small" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </td>
    </tr>
  );
}

/** Calls `tick` every POLL_MS until it returns true or the component goes away. */
function usePoll() {
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (tick: () => Promise<boolean>) => {
    const step = () =>
      void tick().then((finished) => {
        if (!finished) timer.current = window.setTimeout(step, POLL_MS);
      });
    step();
  };
}

function ImportSection({ guard }: Guard) {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const poll = usePoll();
  const start = (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setProgress(null);
    admin
      .importFile(file)
      .then(({ jobId }) =>
        poll(() =>
          admin.importProgress(jobId).then(
            (p) => (setProgress(p), p.state === 'completed' || p.state === 'failed'),
            (err: unknown) => (setError(guard(err)), true),
          ),
        ),
      )
      .catch((err: unknown) => setError(guard(err)));
  };
  return (
    <>
      <h1 id="admin-h">Import products</h1>
      <form onSubmit={start}>
        <label for="import-file">Catalog file (JSONL, one product a line, as `vitrine import` reads)</label>
        <input
          id="import-file"
          type="file"
          accept=".jsonl,.json,.ndjson,application/x-ndjson"
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
        />
        <button type="submit" class="primary" disabled={!file}>
          Import
        </button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {progress ? (
        <div role="status">
          <p>
            {progress.state}: {progress.processed} lines read — {progress.created} created, {progress.updated}{' '}
            updated, {progress.unchanged} unchanged, {progress.failed} failed
          </p>
          <Progress done={progress.processed} total={progress.total} label="Import progress" />
          {progress.errors.length ? (
            <ul class="errors">
              {progress.errors.map((er) => (
                <li key={er.line}>
                  line {er.line}: {er.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function IndexSection({ guard }: Guard) {
  const [status, setStatus] = useState<IndexStatus | null>(null);
  const [job, setJob] = useState<JobProgress | null>(null);
  const [failures, setFailures] = useState<{ total: number; items: IndexFailure[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const poll = usePoll();
  const refresh = () => {
    // The index summary is newer than the failures route: without it the page shows the rest.
    admin.index().then(setStatus, () => setStatus(null));
    admin.failures().then(setFailures, (e: unknown) => setError(guard(e)));
  };
  useEffect(refresh, []);
  const reindex = () => {
    setError(null);
    admin
      .reindex()
      .then(({ jobId }) =>
        poll(() =>
          admin.job(jobId).then(
            (p) => {
              setJob(p);
              const finished = p.state === 'completed' || p.state === 'failed';
              if (finished) refresh();
              return finished;
            },
            (e: unknown) => (setError(guard(e)), true),
          ),
        ),
      )
      .catch((e: unknown) => setError(guard(e)));
  };
  const running = job !== null && job.state !== 'completed' && job.state !== 'failed';
  return (
    <>
      <h1 id="admin-h">Search index</h1>
      {status ? (
        <dl class="stats">
          <div>
            <dt>Products</dt>
            <dd>{status.products}</dd>
          </div>
          <div>
            <dt>Indexed</dt>
            <dd>{status.indexed}</dd>
          </div>
          <div>
            <dt>Pending</dt>
            <dd>{status.pending}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{status.failed}</dd>
          </div>
        </dl>
      ) : null}
      {status ? (
        <p class="hint">
          Collection <span class="mono">{status.collection ?? 'none yet'}</span> · model{' '}
          <span class="mono">{status.model}</span>
        </p>
      ) : null}
      <button type="button" class="primary" onClick={reindex} disabled={running}>
        {running ? 'Reindexing…' : 'Reindex everything'}
      </button>
      <p class="hint">Builds a new collection beside the live one and switches search to it when done.</p>
      {error ? <ErrorNote error={error} /> : null}
      {job ? (
        <div class="job" role="status" aria-live="polite">
          <p>
            Reindex {job.state} — {job.step}
            {job.total > 0 ? `: ${job.done} of ${job.total}` : ''}
            {job.failed ? `, ${job.failed} failed` : ''}
            {job.etaSeconds !== undefined && running ? `, about ${Math.ceil(job.etaSeconds)} s left` : ''}
          </p>
          <Progress done={job.done} total={job.total} label="Reindex progress" />
          {job.failedReason ? <p class="error">{job.failedReason}</p> : null}
        </div>
      ) : null}
      <h2>Indexing failures</h2>
      {failures === null ? null : failures.items.length === 0 ? (
        <p class="hint">No product failed to index.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Title</th>
                <th scope="col">Reason</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {failures.items.map((f) => (
                <tr key={f.productId}>
                  <td class="mono">{f.sku}</td>
                  <td>{f.title}</td>
                  <td>{f.reason}</td>
                  <td>{new Date(f.failedAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function DescriptionsSection({ guard }: Guard) {
  const [items, setItems] = useState<PendingDescription[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const load = () =>
    admin.pendingDescriptions().then(
      (p) => setItems(p.items),
      (e: unknown) => setError(guard(e)),
    );
  useEffect(() => void load(), []);
  const review = (id: string, action: 'approve' | 'reject') =>
    admin.review(id, action).then(
      () => {
        setItems((list) => list?.filter((d) => d.id !== id) ?? null);
        setNote(action === 'approve' ? 'Approved: the text is now the product description.' : 'Rejected.');
      },
      (e: unknown) => setError(guard(e)),
    );
  return (
    <>
      <h1 id="admin-h">Description drafts</h1>
      <button
        type="button"
        onClick={() =>
          void admin.generateDescriptions(20).then(
            (r) => (
              setNote(`${r.generated} drafts written; ${r.remaining} products still lack one.`),
              void load()
            ),
            (e: unknown) => setError(guard(e)),
          )
        }
      >
        Draft descriptions for products without one
      </button>
      <p role="status" class="hint">
        {note}
      </p>
      {error ? <ErrorNote error={error} /> : null}
      {items === null ? null : items.length === 0 ? (
        <p class="hint">No drafts wait for review.</p>
      ) : (
        <ul class="drafts">
          {items.map((d) => {
            const title = d.product?.title ?? d.productTitle ?? d.title ?? d.productId;
            const image = d.product?.imageUrl ?? d.imageUrl;
            return (
              <li key={d.id} class="draft">
                {image ? <img src={image} alt="" width={72} height={72} /> : null}
                <div>
                  <h2 class="draft-title">{title}</h2>
                  <p>{d.text}</p>
                  <p class="hint">
                    {d.style ? `${d.style} · ` : ''}
                    {d.confidence !== undefined
                      ? `lowest fact confidence ${Math.round(d.confidence * 100)}%`
                      : ''}
                  </p>
                  <div class="row">
                    <button type="button" class="small primary" onClick={() => void review(d.id, 'approve')}>
                      Approve
                    </button>
                    <button type="button" class="small" onClick={() => void review(d.id, 'reject')}>
                      Reject
                    </button>
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

const parseTerms = (s: string): string[] =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

function SynonymsSection({ guard }: Guard) {
  const [sets, setSets] = useState<SynonymSet[] | null>(null);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    admin.synonyms().then(
      (r) => setSets(r.items),
      (e: unknown) => setError(guard(e)),
    );
  useEffect(() => void load(), []);
  return (
    <>
      <h1 id="admin-h">Synonyms</h1>
      <p class="hint">
        Each set lists words a shopper may use for the same thing; a search for one finds the others.
      </p>
      {error ? <ErrorNote error={error} /> : null}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          admin.createSynonyms(parseTerms(draft)).then(
            () => (setDraft(''), void load()),
            (err: unknown) => setError(guard(err)),
          );
        }}
      >
        <label for="new-syn" class="visually-hidden">
          New synonym set, terms separated by commas
        </label>
        <input
          id="new-syn"
          value={draft}
          placeholder="sneaker, trainer, running shoe"
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={parseTerms(draft).length < 2}>
          Add set
        </button>
      </form>
      <ul class="synonyms">
        {sets?.map((s) => (
          <SynonymRow key={s.id} set={s} onChange={() => void load()} onError={(e) => setError(guard(e))} />
        ))}
      </ul>
    </>
  );
}

function SynonymRow(props: { set: SynonymSet; onChange: () => void; onError: (e: unknown) => void }) {
  const [text, setText] = useState(props.set.terms.join(', '));
  const id = `syn-${props.set.id}`;
  return (
    <li class="row">
      <label for={id} class="visually-hidden">
        Terms of the set {props.set.terms[0]}
      </label>
      <input id={id} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button
        type="button"
        class="small"
        onClick={() =>
          void admin.updateSynonyms(props.set.id, parseTerms(text)).then(props.onChange, props.onError)
        }
      >
        Save
      </button>
      <button
        type="button"
        class="small danger"
        onClick={() => void admin.deleteSynonyms(props.set.id).then(props.onChange, props.onError)}
      >
        Delete
      </button>
    </li>
  );
}

function AnalyticsSection({ guard }: Guard) {
  const [days, setDays] = useState(7);
  const [a, setA] = useState<Analytics | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    admin.analytics(days).then(setA, (e: unknown) => setError(guard(e)));
  }, [days]);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    <>
      <h1 id="admin-h">Analytics</h1>
      <label>
        Period{' '}
        <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value={1}>last day</option>
          <option value={7}>last 7 days</option>
          <option value={30}>last 30 days</option>
        </select>
      </label>
      {error ? <ErrorNote error={error} /> : null}
      {a ? (
        <>
          <dl class="stats">
            <div>
              <dt>Searches</dt>
              <dd>{a.searches}</dd>
            </div>
            <div>
              <dt>Click-through rate</dt>
              <dd>{a.clickThroughRate === null ? 'no searches yet' : pct(a.clickThroughRate)}</dd>
            </div>
            <div>
              <dt>Clicks</dt>
              <dd>{a.events.click}</dd>
            </div>
            <div>
              <dt>Added to cart</dt>
              <dd>{a.events.add_to_cart}</dd>
            </div>
            <div>
              <dt>Purchases</dt>
              <dd>{a.events.purchase}</dd>
            </div>
          </dl>
          <div class="two-col">
            <div>
              <h2>Top queries</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Query</th>
                    <th scope="col">Searches</th>
                    <th scope="col">Clicks</th>
                    <th scope="col">CTR</th>
                  </tr>
                </thead>
                <tbody>
                  {a.topQueries.map((q) => (
                    <tr key={q.query}>
                      <td>
                        <a
                          href={`/?q=${encodeURIComponent(q.query)}`}
                          onClick={(e) => (
                            e.preventDefault(),
                            navigate(`/?q=${encodeURIComponent(q.query)}`)
                          )}
                        >
                          {q.query}
                        </a>
                      </td>
                      <td>{q.count}</td>
                      <td>{q.clicks}</td>
                      <td>{pct(q.ctr)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h2>Searches with no results</h2>
              {a.zeroResultQueries.length === 0 ? (
                <p class="hint">None in this period.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Query</th>
                      <th scope="col">Searches</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.zeroResultQueries.map((q) => (
                      <tr key={q.query}>
                        <td>{q.query}</td>
                        <td>{q.count}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </>
      ) : null}
    </>
  );
}
