import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Provider } from 'react-redux';
import { makeStore, type AppStore } from '../app/store.js';
import type { ConferenceSession } from '../conference/session.js';
import { SessionContext } from '../conference/sessionContext.js';

export interface SentCommand {
  namespace: string;
  payload: unknown;
}

/** Stands in for a ConferenceSession: records what components send; no socket, no media. */
export function fakeSession(): { session: ConferenceSession; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const fake = {
    send: (namespace: string, payload: unknown) => {
      sent.push({ namespace, payload });
    },
    media: {
      cameraStream: () => null,
      screenStream: () => null,
      remoteStream: () => null,
      subscribe: () => () => undefined,
      version: () => 0,
    },
  };
  // Only the members above are used by the components under test.
  return { session: fake as unknown as ConferenceSession, sent };
}

/** Renders `ui` with a real store and, when given, a session. */
export function renderWithStore(
  ui: ReactElement,
  options: { store?: AppStore; session?: ConferenceSession } = {},
): RenderResult & { store: AppStore } {
  const store = options.store ?? makeStore();
  const tree = options.session ? <SessionContext value={options.session}>{ui}</SessionContext> : ui;
  return { ...render(<Provider store={store}>{tree}</Provider>), store };
}
