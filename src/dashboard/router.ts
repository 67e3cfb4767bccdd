/**
 * A small history router: paths are relative to the `<base href>` the server wrote (the dashboard
 * may be mounted anywhere), so `/jobs/42` here is `<base>jobs/42` in the address bar. Links with
 * `data-route` (or any same-origin `<a>` inside the app) navigate without a reload.
 */
import { useEffect, useState } from 'preact/hooks';

const basePath = new URL(document.baseURI).pathname.replace(/\/+$/, '');

/** The app route of the address bar: `/jobs/42`, with its query string. */
function current(): { path: string; search: URLSearchParams } {
  const { pathname, search } = window.location;
  const path = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  return { path: path === '' ? '/' : path, search: new URLSearchParams(search) };
}

const listeners = new Set<() => void>();

export function href(path: string): string {
  return `${basePath}${path}`;
}

export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const listener of listeners) listener();
  if (!replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith(basePath)) return;
  event.preventDefault();
  navigate(url.pathname.slice(basePath.length) + url.search);
});

export function useRoute(): { path: string; search: URLSearchParams } {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
}
