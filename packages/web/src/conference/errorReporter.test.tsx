// @vitest-environment jsdom
import { SignalingErrorCode } from '@plenum/protocol';
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../app/store.js';
import { NoticeBanner } from '../features/control/NoticeBanner.js';
import { selectNotice } from '../features/control/controlSlice.js';
import { handleMediaEvent } from '../features/media/mediaHandlers.js';
import { languageChosen } from '../i18n/languageSlice.js';
import { de, en } from '../i18n/messages.js';
import { fakeHandlerContext } from '../test-support/fakeHandlerContext.js';
import { ids } from '../test-support/factories.js';
import { renderWithStore } from '../test-support/renderWithStore.js';
import { ErrorReporter, errorMessageKey, errorMessageKeys } from './errorReporter.js';

/** A reporter on a real store, with a clock and a console the test controls. */
function reporting(windowMs?: number) {
  const store = makeStore();
  const log = { warn: vi.fn() };
  let now = 1_000_000;
  /** Every notice the reporter dispatched. */
  const shown: unknown[] = [];
  const dispatch = (action: Parameters<typeof store.dispatch>[0]) => {
    shown.push(action.payload);
    return store.dispatch(action);
  };
  const reporter = new ErrorReporter(dispatch, { log, now: () => now, ...(windowMs === undefined ? {} : { windowMs }) });
  const advance = (ms: number) => {
    now += ms;
  };
  const warnings = () => log.warn.mock.calls.map((call) => call.join(' '));
  return { store, reporter, log, warnings, advance, shown };
}

afterEach(() => {
  cleanup();
});

describe('error sentences', () => {
  it('every stable code has its own sentence in English and German, never the raw code', () => {
    for (const code of SignalingErrorCode.options) {
      const key = errorMessageKey(code);
      expect(key).not.toBe('errorUnknown');
      // No snake_case code in what people read.
      expect(en[key]).not.toMatch(/[a-z]_[a-z]/);
      expect(de[key]).not.toMatch(/[a-z]_[a-z]/);
      expect(de[key]).not.toBe(en[key]);
    }
    expect(new Set(Object.values(errorMessageKeys)).size).toBe(SignalingErrorCode.options.length);
  });

  it('a code this client does not know yet gets the generic sentence', () => {
    expect(errorMessageKey('quota_exceeded')).toBe('errorUnknown');
    expect(errorMessageKey('__proto__')).toBe('errorUnknown');
  });
});

describe('ErrorReporter', () => {
  it('a media error event becomes an alert with its sentence in English and in German', () => {
    const { store, reporter, warnings } = reporting();
    const fake = fakeHandlerContext(ids.me);
    const ctx = { ...fake.ctx, serverError: reporter.serverError.bind(reporter) };
    renderWithStore(<NoticeBanner />, { store });

    act(() => {
      handleMediaEvent({ message: 'error', error: 'unknown_participant', text: 'no such participant' }, ctx);
    });

    expect(screen.getByRole('alert').textContent).toBe('This participant is no longer in the meeting.');
    act(() => {
      store.dispatch(languageChosen('de'));
    });
    expect(screen.getByRole('alert').textContent).toBe('Diese Person ist nicht mehr in der Besprechung.');
    expect(screen.getByRole('alert').textContent).not.toContain('unknown_participant');
    expect(warnings()).toEqual(['Plenum: media error unknown_participant: no such participant']);
  });

  it('the notice keeps the sentence key and tone only, not the server text or the code', () => {
    const { store, reporter } = reporting();
    reporter.serverError('chat', { error: 'chat_disabled', text: '<img src=x onerror=alert(1)>' });
    expect(selectNotice(store.getState())).toEqual({ key: 'errorChatDisabled', tone: 'error' });
  });

  it('server text is rendered as text, never as markup', () => {
    const { store, reporter } = reporting();
    const { container } = renderWithStore(<NoticeBanner />, { store });
    act(() => {
      reporter.unrecognized('control', { message: 'error', error: '<b>new_code</b>', text: '<img src=x>' });
    });
    expect(screen.getByRole('alert').textContent).toBe('The server reported a problem. Please try again.');
    expect(container.querySelector('img, b')).toBeNull();
  });

  it('an error with a code unknown to this client shows the generic sentence and logs the code', () => {
    const { store, reporter, warnings } = reporting();
    reporter.unrecognized('moderation', { message: 'error', error: 'quota_exceeded', text: 'too many rooms' });
    expect(selectNotice(store.getState())).toEqual({ key: 'errorUnknown', tone: 'error' });
    expect(warnings()).toEqual(['Plenum: moderation error quota_exceeded: too many rooms']);
  });

  it('the same code in the same namespace within the window is shown and logged once', () => {
    const { reporter, warnings, advance, shown } = reporting(5000);
    for (let n = 0; n < 20; n += 1) reporter.serverError('chat', { error: 'rate_limit_exceeded', text: 'slow down' });
    expect(shown).toHaveLength(1);
    expect(warnings()).toHaveLength(1);

    reporter.serverError('chat', { error: 'chat_disabled', text: 'off' });
    expect(shown).toHaveLength(2);

    advance(4999);
    reporter.serverError('chat', { error: 'rate_limit_exceeded', text: 'slow down' });
    expect(shown).toHaveLength(2);
    advance(1);
    reporter.serverError('chat', { error: 'rate_limit_exceeded', text: 'slow down' });
    expect(shown).toHaveLength(3);
    expect(warnings()).toHaveLength(3);
  });

  it('a media failure becomes a notice and a warning naming the operation and error type, not its message', () => {
    const { store, reporter, warnings } = reporting();
    const failure = new DOMException('Failed to set remote answer sdp: a=fingerprint:sha-256 AB:CD', 'OperationError');
    reporter.mediaFailure('publish camera', failure);
    expect(selectNotice(store.getState())).toEqual({ key: 'mediaSendFailed', tone: 'error' });
    expect(warnings()).toEqual(['Plenum: media publish camera failed: OperationError']);
    reporter.mediaFailure('subscribe screen', new Error('x'));
    expect(selectNotice(store.getState())).toEqual({ key: 'mediaReceiveFailed', tone: 'error' });
    reporter.mediaFailure('publish screen', 'weird');
    expect(selectNotice(store.getState())).toEqual({ key: 'screenShareFailed', tone: 'error' });
  });

  it('an unknown event is logged by namespace and message name only, without a notice', () => {
    const { store, reporter, warnings } = reporting();
    reporter.unrecognized('polls', { message: 'started', token: 'secret-token', sdp: 'v=0' });
    reporter.unrecognized('media', { message: 42 });
    expect(selectNotice(store.getState())).toBeNull();
    expect(warnings()).toEqual(['Plenum: ignored an unrecognized polls event started', 'Plenum: ignored an unrecognized media event (no message)']);
    expect(warnings().join(' ')).not.toMatch(/secret-token|v=0/);
  });
});
