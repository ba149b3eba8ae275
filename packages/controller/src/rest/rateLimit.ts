import type { Services } from '../services.js';

/**
 * Per-client limit for the sign-in-adjacent routes (`/start`, `/start_invited`, invite
 * verification), which an attacker could use to guess passwords or invite codes.
 */
export function signInRateLimit(services: Services) {
  return { rateLimit: { max: services.config.rateLimitPerMinute, timeWindow: 60_000 } };
}
