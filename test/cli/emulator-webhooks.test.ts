/**
 * `stripe-redact emulator --webhook URL`, as a CI job runs it: the first stdout line stays the base
 * URL, the generated secret is printed on stderr, and a run's job events arrive signed with it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stripeFor } from '../helpers/emulator.js';
import { describeRun, pollUntil, removeTempDirs, SUITE_SETTLE_FLAGS, runCli, spawnCli, tempDir, writeInput } from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('stripe-redact emulator --webhook', () => {
  it('lists the webhook flags in its help', async () => {
    const result = await runCli(['emulator', '--help']);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('--webhook <url>');
    expect(result.stdout).toContain('--webhook-secret');
  });

  it('refuses a webhook URL that is not http(s), naming it, with exit 2', async () => {
    const result = await runCli(['emulator', '--webhook', 'mailto:ops@example.com']);
    expect(result.code, describeRun(result)).toBe(2);
    expect(result.stderr).toMatch(/webhooks\[0\].*http or https URL/);
  });

  it('POSTs the events of a run to the endpoint, signed with the secret it printed', async () => {
    const bodies: { body: string; signature: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const dir = await tempDir();
    const seed = await writeInput(dir, JSON.stringify({ customers: [{ id: 'cus_hook_a', email: 'hook@example.com' }] }), 'seed.json');
    const server = spawnCli(['emulator', '--port', '0', '--seed', seed, '--validation-ms', '20', '--redaction-ms', '20', ...SUITE_SETTLE_FLAGS, '--webhook', hook]);
    try {
      const url = await pollUntil('the emulator URL on stdout', () => /^(http:\/\/\S+)\n/.exec(server.output().stdout)?.[1]);
      const secret = await pollUntil('the signing secret on stderr', () => /signing secret (whsec_\S+)/.exec(server.output().stderr)?.[1]);
      expect(server.output().stdout.split('\n')[0]).toBe(url);

      const input = await writeInput(dir, 'email\nhook@example.com\n');
      const run = await runCli(['run', input, '--api-base', url, '--poll-interval-ms', '20', '--out', join(dir, 'out')]);
      expect(run.code, describeRun(run)).toBe(0);

      const stripe = stripeFor({ port: Number(new URL(url).port) });
      const types = await pollUntil('the succeeded event at the endpoint', () => {
        const seen = bodies.map(({ body, signature }) => stripe.webhooks.constructEvent(body, signature, secret).type);
        return seen.includes('privacy.redaction_job.succeeded') ? seen : undefined;
      });
      // The seeded customer's `customer.created` first (the emulator records customer events, as Stripe does).
      expect(types).toEqual(['customer.created', 'privacy.redaction_job.created', 'privacy.redaction_job.ready', 'privacy.redaction_job.succeeded']);
    } finally {
      server.child.kill('SIGTERM');
      receiver.close();
      receiver.closeAllConnections();
    }
    const stopped = await server.result;
    expect(stopped.code, describeRun(stopped)).toBe(0);
  });
});
