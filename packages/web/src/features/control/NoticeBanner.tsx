import { useEffect } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { useT } from '../../i18n/useT.js';
import { noticeCleared, selectNotice } from './controlSlice.js';

/** How long a notice stays up. */
const noticeMs = 6000;

/** The current notice, as text in the user's language, for a few seconds; errors are announced as alerts. */
export function NoticeBanner() {
  const t = useT();
  const dispatch = useAppDispatch();
  const notice = useAppSelector(selectNotice);

  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => dispatch(noticeCleared()), noticeMs);
    return () => clearTimeout(timer);
  }, [notice, dispatch]);

  if (notice === null) return null;
  const error = notice.tone === 'error';
  return (
    <p className={error ? 'banner error' : 'banner'} role={error ? 'alert' : 'status'} data-notice={notice.key}>
      {t(notice.key)}
    </p>
  );
}
