import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/cli/run-config.js';
import { stripeVersionProblem } from '../../src/cli/stripe-version.js';

describe('--stripe-version', () => {
  it('takes the shapes Stripe names its versions with', () => {
    for (const version of ['2026-08-26.preview', '2025-03-31.basil', '2024-06-20', '2024-02-29']) expect(stripeVersionProblem(version)).toBeUndefined();
  });

  it('refuses anything else, naming the option, an example and what arrived', () => {
    for (const version of ['latest', '2026-8-26', '2026-08-26.', '2026-08-26.Preview', '2026-13-01', '2023-02-29', ' 2024-06-20', '2024-06-20;x']) {
      expect(stripeVersionProblem(version)).toBe(
        `--stripe-version must be a Stripe API version such as 2026-08-26.preview (YYYY-MM-DD, then optionally a dot and a release name); got '${version}'`,
      );
    }
  });

  it('is carried into the run config, and left out when not given', () => {
    const parse = (raw: Parameters<typeof parseRunConfig>[1]) => parseRunConfig('in.csv', raw, { STRIPE_API_KEY: 'sk_test_abc' }, false);
    expect(parse({ stripeVersion: '2025-03-31.basil' })).toMatchObject({ config: { stripeVersion: '2025-03-31.basil' } });
    const plain = parse({});
    expect('config' in plain && 'stripeVersion' in plain.config).toBe(false);
    expect(parse({ stripeVersion: 'v2' })).toEqual({ problems: [{ option: '--stripe-version', message: expect.stringContaining("got 'v2'") as unknown }] });
  });
});
