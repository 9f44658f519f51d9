import { ApiError } from "./errors";

const BASE_MS = 1000;
const CAP_MS = 30_000;

/** Whether a failed request may work later: a network error (fetch rejects with a TypeError), 408, 429 or 5xx.
 * Anything else is for good: 403/404 (no longer allowed to see it), 401 (the client's refresh failed too: the
 * session is over), other 4xx, "Not signed in". */
export function isTransient(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof ApiError && (error.status === 408 || error.status === 429 || error.status >= 500));
}

/**
 * The wait (ms) before retrying after `failures` failures in a row, or undefined when the error is not transient:
 * exponential back-off with full jitter (a random wait below 1 s, 2 s, 4 s, … capped at 30 s), and at least the
 * problem's `Retry-After`. `random` returns a number in [0, 1); tests pass a fixed one.
 */
export function retryDelay(error: unknown, failures: number, random: () => number = Math.random): number | undefined {
  if (!isTransient(error)) {
    return undefined;
  }
  return atLeastRetryAfter(error, random() * Math.min(CAP_MS, BASE_MS * 2 ** (failures - 1)));
}

/** `waitMs`, or the problem's `Retry-After` when that is longer. */
export function atLeastRetryAfter(error: unknown, waitMs: number): number {
  return Math.max(waitMs, error instanceof ApiError ? (error.retryAfter ?? 0) * 1000 : 0);
}
