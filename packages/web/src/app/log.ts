/**
 * Writes a warning to the browser console: for failures the user may not see but a developer
 * needs (server errors, media failures, frames and events this client does not understand).
 * The app's one way to the console; callers pass text without tokens or SDP.
 */
export function warn(message: string): void {
  // eslint-disable-next-line no-console -- the sanctioned console output: failures must be logged, never dropped silently
  console.warn(message);
}
