import { useEffect, useRef, useState } from 'preact/hooks';
import {
  browse,
  searchImage,
  searchText,
  sendEvent,
  type FacetValue,
  type ProductCard,
  type SearchFilters,
  type SearchParams,
  type SearchResponse,
  type SortOrder,
} from '../api';
import { ErrorNote, ProductTile } from '../components/common';
import { navigate } from '../router';

const PAGE_SIZE = 24;
const FACETS = ['category', 'brand', 'price', 'inStock', 'color', 'material'];
const SORTS: [SortOrder, string][] = [
  ['relevance', 'Best match'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['newest', 'Newest'],
  ['popularity', 'Most popular'],
];
const FACET_LABELS: Record<string, string> = {
  category: 'Category',
  brand: 'Brand',
  price: 'Price',
  inStock: 'Availability',
  currency: 'Currency',
};

/** What the URL says: `/?q=shoe&category=Shoes&brand=A&brand=B&inStock=true&priceMin=0&priceMax=50&currency=EUR&sort=price_asc&attr.color=red`. */
export interface SearchState {
  q: string;
  filters: SearchFilters;
  sort: SortOrder;
}

export function parseState(s: URLSearchParams): SearchState {
  const list = (k: string) =>
    s
      .getAll(k)
      .flatMap((v) => v.split(','))
      .filter(Boolean);
  const num = (k: string) => (s.get(k) ? Number(s.get(k)) : undefined);
  const filters: SearchFilters = {};
  if (list('category').length) filters.category = list('category');
  if (list('brand').length) filters.brand = list('brand');
  if (s.get('inStock') === 'true') filters.inStock = true;
  const min = num('priceMin');
  const max = num('priceMax');
  if (min !== undefined || max !== undefined)
    filters.price = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  if (s.get('currency')) filters.currency = s.get('currency')!;
  const attrs: Record<string, string> = {};
  s.forEach((v, k) => {
    if (k.startsWith('attr.') && v) attrs[k.slice(5)] = v;
  });
  if (Object.keys(attrs).length) filters.attributes = attrs;
  const sort: SortOrder = SORTS.find(([k]) => k === s.get('sort'))?.[0] ?? 'relevance';
  return { q: s.get('q')?.trim() ?? '', filters, sort };
}

export function toUrl(st: SearchState): string {
  const p = new URLSearchParams();
  if (st.q) p.set('q', st.q);
  const f = st.filters;
  f.category?.forEach((c) => p.append('category', c));
  f.brand?.forEach((b) => p.append('brand', b));
  if (f.inStock) p.set('inStock', 'true');
  if (f.price?.min !== undefined) p.set('priceMin', String(f.price.min));
  if (f.price?.max !== undefined) p.set('priceMax', String(f.price.max));
  if (f.currency) p.set('currency', f.currency);
  for (const [k, v] of Object.entries(f.attributes ?? {})) p.set(`attr.${k}`, v);
  if (st.sort !== 'relevance') p.set('sort', st.sort);
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

interface Results {
  resp: SearchResponse;
  items: ProductCard[];
  mode: 'text' | 'browse' | 'image';
}

export function Storefront({ search }: { search: URLSearchParams }) {
  const st = parseState(search);
  const key = toUrl(st);
  const [results, setResults] = useState<Results | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [picture, setPicture] = useState<{ url: string; name: string } | null>(null);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const request = useRef(0);
  /** Bumped by "Back to words": the URL's search again, although the URL did not change. */
  const [again, setAgain] = useState(0);

  const params = (cursor?: string): SearchParams => ({
    query: st.q,
    filters: st.filters,
    sort: st.sort,
    facets: FACETS,
    limit: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
  });

  const run = (mode: Results['mode'], fetchPage: () => Promise<SearchResponse>, append: boolean) => {
    const id = ++request.current;
    setLoading(true);
    setError(null);
    fetchPage()
      .then((resp) => {
        if (id !== request.current) return;
        setResults((prev) => ({
          resp: append && prev ? { ...resp, facets: resp.facets ?? prev.resp.facets } : resp,
          items: append && prev ? [...prev.items, ...resp.items] : resp.items,
          mode,
        }));
      })
      .catch((e: unknown) => id === request.current && setError(e))
      .finally(() => id === request.current && setLoading(false));
  };

  // A new URL is a new search (also on back/forward): it replaces a picture search.
  useEffect(() => {
    setPicture((old) => {
      if (old) URL.revokeObjectURL(old.url);
      return null;
    });
    run(st.q ? 'text' : 'browse', () => (st.q ? searchText(params()) : browse(params())), false);
  }, [key, again]);

  const searchByPicture = (file: Blob, name: string) => {
    if (!file.type.startsWith('image/')) {
      setError(new Error(`${name} is not a picture: choose a JPEG, PNG, WebP, GIF or AVIF file.`));
      return;
    }
    setPicture((old) => {
      if (old) URL.revokeObjectURL(old.url);
      return { url: URL.createObjectURL(file), name };
    });
    run('image', () => searchImage({ image: file, limit: PAGE_SIZE }), false);
  };

  // Paste a picture anywhere on the page to search with it.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (file) {
        e.preventDefault();
        searchByPicture(file, file.name || 'pasted picture');
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  const loadMore = () => {
    const cursor = results?.resp.nextCursor;
    if (!cursor || !results) return;
    const fetchPage =
      results.mode === 'image'
        ? () => searchImage({ cursor })
        : results.mode === 'text'
          ? () => searchText(params(cursor))
          : () => browse(params(cursor));
    run(results.mode, fetchPage, true);
  };

  const set = (change: (s: SearchState) => void) => {
    const next: SearchState = { q: st.q, sort: st.sort, filters: structuredClone(st.filters) };
    change(next);
    navigate(toUrl(next));
  };

  const resp = results?.resp;
  const facets = results?.mode === 'image' ? undefined : resp?.facets;
  const activeFilters = countFilters(st.filters);

  return (
    <div class="storefront">
      <PictureSearch picture={picture} onPicture={searchByPicture} onClear={() => setAgain((n) => n + 1)} />
      <div class="results-layout">
        {facets && Object.keys(facets).length > 0 ? (
          <aside class="facets-col" aria-label="Filters">
            <button
              type="button"
              class="filters-toggle"
              aria-expanded={filtersOpen}
              aria-controls="facet-panel"
              onClick={() => setFiltersOpen(!filtersOpen)}
            >
              Filters{activeFilters ? ` (${activeFilters})` : ''}
            </button>
            <div id="facet-panel" class={filtersOpen ? 'facet-panel open' : 'facet-panel'}>
              {Object.entries(facets).map(([field, values]) =>
                values.length ? <Facet key={field} field={field} values={values} st={st} set={set} /> : null,
              )}
              {activeFilters > 0 ? (
                <button type="button" class="link" onClick={() => set((s) => (s.filters = {}))}>
                  Clear all filters
                </button>
              ) : null}
            </div>
          </aside>
        ) : null}
        <section class="results" aria-labelledby="results-heading">
          <div class="results-bar">
            <h1 id="results-heading" class="results-heading">
              {results?.mode === 'image' ? 'Similar to your picture' : st.q ? `“${st.q}”` : 'All products'}
            </h1>
            {results?.mode !== 'image' ? (
              <label class="sort">
                Sort by{' '}
                <select
                  value={st.sort}
                  onChange={(e) => {
                    const sort = e.currentTarget.value as SortOrder;
                    set((s) => (s.sort = sort));
                  }}
                >
                  {SORTS.map(([k, label]) => (
                    <option key={k} value={k}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
          </div>
          <p class="count" role="status" aria-live="polite">
            {loading && !results ? 'Searching…' : resp ? countText(resp, results?.items.length ?? 0) : ''}
          </p>
          {resp?.correctedQuery ? (
            <p class="notice">
              Showing results for <strong>{resp.correctedQuery}</strong> (you typed “{st.q}”).
            </p>
          ) : null}
          {resp?.didYouMean ? (
            <p class="notice">
              Did you mean{' '}
              <a
                href={toUrl({ ...st, q: resp.didYouMean })}
                onClick={(e) => (e.preventDefault(), set((s) => (s.q = resp.didYouMean!)))}
              >
                {resp.didYouMean}
              </a>
              ?
            </p>
          ) : null}
          {error ? <ErrorNote error={error} /> : null}
          {results && results.items.length === 0 && !loading ? (
            <div class="empty">
              <h2>No products found</h2>
              <p>
                {st.q ? `Nothing in the catalog matches “${st.q}”` : 'Nothing matches'}
                {activeFilters ? ' with these filters.' : '.'} Try other words
                {activeFilters ? ', or remove a filter' : ''}.
              </p>
              {activeFilters ? (
                <button type="button" onClick={() => set((s) => (s.filters = {}))}>
                  Remove all filters
                </button>
              ) : null}
            </div>
          ) : null}
          {results && results.items.length > 0 ? (
            <ul class="grid" aria-label="Products" aria-busy={loading}>
              {results.items.map((item, i) => (
                <ProductTile
                  key={item.id}
                  item={item}
                  onOpen={() => {
                    if (resp?.queryId) sessionStorage.setItem(`vitrine.query.${item.id}`, resp.queryId);
                    sendEvent({
                      type: 'click',
                      productId: item.id,
                      position: i + 1,
                      ...(resp?.queryId ? { queryId: resp.queryId } : {}),
                    });
                  }}
                />
              ))}
            </ul>
          ) : null}
          {resp?.nextCursor ? (
            <div class="more">
              <button type="button" onClick={loadMore} disabled={loading}>
                {loading ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}

function countFilters(f: SearchFilters): number {
  return (
    (f.category?.length ?? 0) +
    (f.brand?.length ?? 0) +
    (f.inStock ? 1 : 0) +
    (f.price ? 1 : 0) +
    Object.keys(f.attributes ?? {}).length
  );
}

function countText(resp: SearchResponse, shown: number): string {
  if (resp.total === undefined) return shown === 0 ? '0 results' : `${shown} shown`;
  const n = resp.total.toLocaleString();
  const total = resp.totalRelation === 'gte' ? `${n}+` : n;
  return `${total} result${resp.total === 1 ? '' : 's'}${shown < resp.total ? `, ${shown} shown` : ''}`;
}

function priceLabel(v: FacetValue): string {
  const cur = v.currency ?? '';
  const fmt = (n: number) => {
    try {
      return new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency: cur,
        maximumFractionDigits: 0,
      }).format(n);
    } catch {
      return `${n} ${cur}`;
    }
  };
  if (v.from == null && v.to != null) return `Under ${fmt(v.to)}`;
  if (v.to == null && v.from != null) return `${fmt(v.from)} and above`;
  if (v.from != null && v.to != null) return `${fmt(v.from)} – ${fmt(v.to)}`;
  return String(v.value);
}

function Facet(props: {
  field: string;
  values: FacetValue[];
  st: SearchState;
  set: (change: (s: SearchState) => void) => void;
}) {
  const { field, values, st, set } = props;
  const label = FACET_LABELS[field] ?? field.charAt(0).toUpperCase() + field.slice(1);
  const f = st.filters;
  const id = `facet-${field}`;
  const options = values.map((v) => {
    let checked: boolean;
    let text: string;
    let toggle: (s: SearchState) => void;
    if (field === 'category' || field === 'brand') {
      const value = String(v.value);
      const list = f[field] ?? [];
      checked = list.includes(value);
      text = value;
      toggle = (s) => {
        const next = checked ? list.filter((x) => x !== value) : [...list, value];
        if (next.length) s.filters[field] = next;
        else delete s.filters[field];
      };
    } else if (field === 'inStock') {
      if (v.value !== true) return null;
      checked = f.inStock === true;
      text = 'In stock only';
      toggle = (s) => (checked ? delete s.filters.inStock : (s.filters.inStock = true));
    } else if (field === 'price') {
      checked =
        f.price?.min === (v.from ?? undefined) &&
        f.price?.max === (v.to ?? undefined) &&
        f.currency === v.currency;
      text = priceLabel(v);
      toggle = (s) => {
        if (checked) {
          delete s.filters.price;
          delete s.filters.currency;
        } else {
          s.filters.price = {
            ...(v.from != null ? { min: v.from } : {}),
            ...(v.to != null ? { max: v.to } : {}),
          };
          if (v.currency) s.filters.currency = v.currency;
        }
      };
    } else if (field === 'currency') {
      const value = String(v.value);
      checked = f.currency === value;
      text = value;
      toggle = (s) => (checked ? delete s.filters.currency : (s.filters.currency = value));
    } else {
      const value = String(v.value);
      checked = f.attributes?.[field] === value;
      text = value;
      toggle = (s) => {
        const attrs = { ...(s.filters.attributes ?? {}) };
        if (checked) delete attrs[field];
        else attrs[field] = value;
        s.filters.attributes = attrs;
        if (!Object.keys(attrs).length) delete s.filters.attributes;
      };
    }
    return (
      <li key={`${String(v.value)}-${v.currency ?? ''}`}>
        <label>
          <input type="checkbox" checked={checked} onChange={() => set(toggle)} /> <span>{text}</span>
          <span class="facet-count" aria-label={`${v.count} products`}>
            {v.count}
          </span>
        </label>
      </li>
    );
  });
  return (
    <fieldset class="facet">
      <legend id={id}>{label}</legend>
      <ul>{options}</ul>
    </fieldset>
  );
}

function PictureSearch(props: {
  picture: { url: string; name: string } | null;
  onPicture: (f: Blob, name: string) => void;
  onClear: () => void;
}) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      class={over ? 'picture-search over' : 'picture-search'}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) props.onPicture(file, file.name);
      }}
    >
      {props.picture ? (
        <div class="picture-chosen">
          <img src={props.picture.url} alt={`Your picture: ${props.picture.name}`} width={56} height={56} />
          <span>Products that look like {props.picture.name}</span>
          <button type="button" class="link" onClick={props.onClear}>
            Back to words
          </button>
        </div>
      ) : (
        <p>
          <input
            id="picture"
            ref={input}
            type="file"
            accept="image/*"
            class="visually-hidden"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) props.onPicture(file, file.name);
              e.currentTarget.value = '';
            }}
          />
          <label for="picture" class="picture-label">
            <span class="camera" aria-hidden="true">
              ◎
            </span>{' '}
            Search by picture
          </label>
          <span class="hint"> — choose a file, drop it here, or paste it</span>
        </p>
      )}
    </div>
  );
}
