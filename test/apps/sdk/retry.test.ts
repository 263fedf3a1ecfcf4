/** Retry-After parsing (seconds and HTTP dates) and the backoff delays. */
import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter, retryDelayMs } from '../../../apps/sdk/index.js';

describe('parseRetryAfter', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter('1.5')).toBe(1500);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    const now = Date.parse('Sat, 21 Nov 2026 22:00:00 GMT');
    expect(parseRetryAfter('Sat, 21 Nov 2026 22:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 21:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('uses full jitter over an exponentially growing ceiling', () => {
    expect(retryDelayMs(policy, 1, undefined, () => 0.999)).toBe(99);
    expect(retryDelayMs(policy, 3, undefined, () => 0.999)).toBe(399);
    expect(retryDelayMs(policy, 10, undefined, () => 0.999)).toBe(999);
    expect(retryDelayMs(policy, 3, undefined, () => 0)).toBe(0);
  });
  it('honours Retry-After with at most 10% jitter, capped at the maximum', () => {
    expect(retryDelayMs(policy, 1, 500, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, 500, () => 0.999)).toBe(549);
    expect(retryDelayMs(policy, 1, 60_000, () => 0)).toBe(1000);
  });
});
