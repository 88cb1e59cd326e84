import { describe, expect, it } from 'vitest';
import { parseSelftestConfig } from '../../src/cli/selftest-command.js';
import { EMULATOR_API_KEY } from '../../src/cli/run-config.js';

describe('parseSelftestConfig', () => {
  it('a test-mode key: Stripe itself, polled every second', () => {
    expect(parseSelftestConfig({}, { STRIPE_API_KEY: 'rk_test_abc' })).toEqual({ config: { apiKey: 'rk_test_abc', pollIntervalMs: 1000, jobTimeoutMs: 600_000, settleWaitMs: 5000 } });
  });

  it.each(['sk_live_abc', 'rk_live_abc'])('refuses the live key %s, whatever the target', (key) => {
    const parsed = parseSelftestConfig({ apiBase: 'http://127.0.0.1:1' }, { STRIPE_API_KEY: key });
    expect(parsed).toEqual({ problems: [expect.stringMatching(/^STRIPE_API_KEY is a live-mode key: .* runs only with a test-mode key/)] });
  });

  it('names every problem at once', () => {
    const parsed = parseSelftestConfig({ apiBase: 'ftp://x', pollIntervalMs: '1.5', jobTimeoutMs: 'soon', json: '' }, { STRIPE_API_KEY: 'pk_test_abc' });
    expect(parsed).toEqual({
      problems: [
        "--api-base must be an http(s) URL such as http://127.0.0.1:12111; got 'ftp://x'",
        'STRIPE_API_KEY is not a Stripe test-mode secret or restricted key (sk_test_…, rk_test_…)',
        "--poll-interval-ms must be a whole number above 0; got '1.5'",
        "--job-timeout-ms must be a whole number above 0; got 'soon'",
        '--json must name a file',
      ],
    });
  });

  it('a Stripe-compatible server without a key gets the emulator key, as run does; without either, the key is asked for', () => {
    expect(parseSelftestConfig({ apiBase: 'http://127.0.0.1:9/x' }, {})).toMatchObject({ config: { apiKey: EMULATOR_API_KEY, apiBase: 'http://127.0.0.1:9' } });
    expect(parseSelftestConfig({}, {})).toEqual({ problems: [expect.stringMatching(/^STRIPE_API_KEY is not set/)] });
  });
});
