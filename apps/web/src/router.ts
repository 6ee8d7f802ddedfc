/** A 40-line router: the History API, one hook, and links that navigate without reloading. */
import { useEffect, useState } from 'preact/hooks';

const CHANGE = 'vitrine:navigate';

export interface Location {
  path: string;
  search: URLSearchParams;
}

const current = (): Location => ({
  path: window.location.pathname,
  search: new URLSearchParams(window.location.search),
});

/** Goes to `url` (same origin), adding a history entry unless `replace`. */
export function navigate(url: string, replace = false): void {
  if (url === window.location.pathname + window.location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
  if (!replace) window.scrollTo(0, 0);
}

/** The location, re-rendering on navigate() and on back/forward. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return loc;
}

/** onClick for <a href>: plain left clicks stay in the app; modified clicks open tabs as usual. */
export function linkClick(e: MouseEvent): void {
  const a = e.currentTarget as HTMLAnchorElement;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
