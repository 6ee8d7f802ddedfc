import { useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import { ChatPanel } from './components/chat';
import { SearchBox } from './components/search-box';
import { ProductPage } from './pages/product';
import { Storefront } from './pages/storefront';
import { linkClick, navigate, useLocation } from './router';
import { chooseLocale, chosenLocale, LANGUAGES } from './api/locale';

type AdminComponent = FunctionComponent<{ path: string }>;

/** The admin console is its own chunk: shoppers never download it. */
function LazyAdmin({ path }: { path: string }) {
  const [Page, setPage] = useState<AdminComponent | null>(null);
  useEffect(() => {
    void import('./pages/admin').then((m) => setPage(() => m.AdminPage));
  }, []);
  return Page ? <Page path={path} /> : <p class="hint">Loading…</p>;
}

export function App() {
  const { path, search } = useLocation();
  const [chatOpen, setChatOpen] = useState(false);
  const isAdmin = path === '/admin' || path.startsWith('/admin/');
  const productId = /^\/products\/([^/]+)$/.exec(path)?.[1];

  useEffect(() => {
    if (!productId) document.title = isAdmin ? 'Admin · Vitrine' : 'Vitrine shop';
  }, [path]);

  let page;
  if (isAdmin) page = <LazyAdmin path={path} />;
  else if (productId) page = <ProductPage id={decodeURIComponent(productId)} />;
  else if (path === '/') page = <Storefront search={search} />;
  else
    page = (
      <div class="empty">
        <h1>Page not found</h1>
        <p>
          <a href="/" onClick={linkClick}>
            Back to the shop
          </a>
        </p>
      </div>
    );

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a href={isAdmin ? '/admin' : '/'} class="logo" onClick={linkClick}>
          Vitrine{isAdmin ? <span class="logo-sub"> admin</span> : null}
        </a>
        {isAdmin ? (
          <a href="/" onClick={linkClick} class="top-link">
            Shop
          </a>
        ) : (
          <>
            <SearchBox
              initial={search.get('q') ?? ''}
              onSearch={(q) => navigate(`/?q=${encodeURIComponent(q)}`)}
            />
            <select
              class="lang"
              aria-label="Language"
              value={chosenLocale()}
              onChange={(e) => {
                chooseLocale((e.target as HTMLSelectElement).value);
                // Every list and page on screen was read in the old language: read them again.
                location.reload();
              }}
            >
              {LANGUAGES.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              class="chat-toggle"
              aria-expanded={chatOpen}
              onClick={() => setChatOpen(!chatOpen)}
            >
              Assistant
            </button>
          </>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      {chatOpen && !isAdmin ? <ChatPanel onClose={() => setChatOpen(false)} /> : null}
      <footer class="foot">
        <p>
          Vitrine demo shop · pictures from the demo catalog ·{' '}
          <a href="/admin" onClick={linkClick}>
            Admin
          </a>{' '}
          · <a href="/docs">API</a>
        </p>
      </footer>
    </>
  );
}
