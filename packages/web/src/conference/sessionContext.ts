import { createContext, useContext } from 'react';
import type { ConferenceSession } from './session.js';

export const SessionContext = createContext<ConferenceSession | null>(null);

export function useSession(): ConferenceSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a meeting');
  return session;
}
