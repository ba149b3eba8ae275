import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'callback' }
  | { name: 'room'; roomId: string }
  | { name: 'invite'; code: string }
  | { name: 'notFound' };

const idPattern = '([A-Za-z0-9_-]{1,64})';

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  if (pathname === '/auth/callback') return { name: 'callback' };
  const room = new RegExp(`^/room/${idPattern}/?$`).exec(pathname);
  if (room?.[1]) return { name: 'room', roomId: room[1] };
  const invite = new RegExp(`^/invite/${idPattern}/?$`).exec(pathname);
  if (invite?.[1]) return { name: 'invite', code: invite[1] };
  return { name: 'notFound' };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current path; the app has four screens, so a router library would be more code than this. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export const roomPath = (roomId: string) => `/room/${encodeURIComponent(roomId)}`;
export const invitePath = (code: string) => `/invite/${encodeURIComponent(code)}`;
