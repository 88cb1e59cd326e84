/** Where a run goes (Stripe, the built-in emulator, another base URL) and with which key: `--emulator`, `--api-base`, `--live`, STRIPE_API_KEY. */
import type { ConfigProblem, RawRunOptions, RunConfig } from './run-config.js';

/** The key the built-in emulator is driven with: a real key is never handed to it. */
export const EMULATOR_API_KEY = 'sk_test_stripe_redact_emulator';

const KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;

/** The target, the key and its mode; each problem names its option. */
export function parseTarget(raw: RawRunOptions, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): { target: RunConfig['target']; apiKey: string; livemode: boolean } {
  let target: RunConfig['target'] = { kind: 'stripe' };
  if (raw.emulator && raw.apiBase !== undefined) {
    problems.push({ option: '--emulator', message: '--emulator and --api-base exclude each other: pick one target' });
  } else if (raw.emulator) {
    target = { kind: 'emulator' };
  } else if (raw.apiBase !== undefined) {
    try {
      const url = new URL(raw.apiBase);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      target = { kind: 'url', url: url.origin };
    } catch {
      problems.push({ option: '--api-base', message: `--api-base must be an http(s) URL such as http://127.0.0.1:12111; got '${raw.apiBase}'` });
    }
  }

  const envKey = env.STRIPE_API_KEY?.trim() || undefined;
  let apiKey = envKey ?? '';
  if (target.kind === 'emulator') {
    apiKey = EMULATOR_API_KEY;
  } else if (!envKey) {
    if (target.kind === 'url') apiKey = EMULATOR_API_KEY;
    else
      problems.push({
        option: 'STRIPE_API_KEY',
        message: 'STRIPE_API_KEY is not set: set it to a secret or restricted key, or pass --emulator to try the tool on the built-in emulator',
      });
  } else if (!KEY_PATTERN.test(envKey)) {
    problems.push({ option: 'STRIPE_API_KEY', message: 'STRIPE_API_KEY is not a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_test_…, rk_live_…)' });
  }
  const livemode = /^(sk|rk)_live_/.test(apiKey);
  if (livemode && !raw.live) {
    problems.push({ option: '--live', message: 'STRIPE_API_KEY is a live-mode key: redaction cannot be undone, so pass --live to confirm you mean live data' });
  }

  return { target, apiKey, livemode };
}
