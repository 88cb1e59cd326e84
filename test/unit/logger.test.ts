import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createLogger, createScrubber, createSilentLogger, type LoggerOptions } from '../../src/io/logger.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logger-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function captured(options: Omit<LoggerOptions, 'stream'>) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const logger = createLogger({ ...options, stream });
  return { logger, output: () => text };
}

const SECRET = 'sk_test_51Hx8aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
const RESTRICTED = 'rk_live_51Hx8aBcDeFgHiJkLmNoPq';
const WEBHOOK = 'whsec_abcDEF123456+/=';
const EMAILS = ['jane.doe+dsr@example.com', "o'brien@x.ie", 'Müller@exämple.de'] as const;

describe('logger privacy', () => {
  it('never writes an email or a key, in the message, in fields, in field names or nested, in either format', async () => {
    for (const format of ['text', 'json'] as const) {
      const logFile = join(dir, `privacy-${format}.log`);
      const { logger, output } = captured({ format, level: 'debug', logFile });
      const error = Object.assign(new Error(`search failed for ${EMAILS[0]} with ${SECRET}`), { code: 'x', raw: { email: EMAILS[1] } });
      logger.info(`resolving ${EMAILS[0]} using ${SECRET}`, {
        email: EMAILS[1],
        [EMAILS[2]]: 'as a key',
        nested: { deeper: [{ value: `Bearer ${RESTRICTED}` }], webhook: WEBHOOK },
        query: `email:'${EMAILS[1].replace("'", "\\'")}' OR email:'${EMAILS[0]}'`,
        url: `/v1/customers?email=${encodeURIComponent(EMAILS[0])}&limit=10`,
        error,
      });
      logger.debug('debug too', { who: EMAILS[2] });
      await logger.close();
      const file = await readFile(logFile, 'utf8');
      for (const text of [output(), file]) {
        expect(text).toContain('<email:');
        expect(text).toContain('sk_***');
        expect(text).toContain('rk_***');
        expect(text).toContain('whsec_***');
        for (const email of EMAILS) {
          const [local, domain] = email.split('@') as [string, string];
          expect(text.toLowerCase()).not.toContain(local.toLowerCase().replace("'", ''));
          expect(text.toLowerCase()).not.toContain(domain.toLowerCase());
        }
        expect(text).not.toContain(encodeURIComponent(EMAILS[0]));
        expect(text).not.toMatch(/sk_test_5|rk_live_5|whsec_abc/);
      }
    }
  });

  it('gives the same email the same token, case-insensitively, and different emails different tokens', () => {
    const scrub = createScrubber('key');
    const a = scrub('a@x.com');
    expect(scrub('A@X.com')).toBe(a);
    expect(scrub(`email:'a@x.com'`)).toBe(`email:'${a}'`);
    expect(scrub('a%40x.com')).toBe(a);
    const irish = scrub("o'brien@x.ie");
    expect(scrub("email:'o\\'brien@x.ie'")).toBe(`email:'${irish}'`);
    expect(scrub('o%27brien%40x.ie')).toBe(irish);
    expect(scrub('b@x.com')).not.toBe(a);
    expect(createScrubber('other key')('a@x.com')).not.toBe(a);
    expect(a).toMatch(/^<email:[0-9a-f]{12}>$/);
  });

  it('leaves Stripe ids and ordinary text alone', () => {
    const scrub = createScrubber('key');
    const text = 'job rdj_123 for cus_NffrFeUfNV2Hib and sku_123, risk_level=high, task_0123456789';
    expect(scrub(text)).toBe(text);
  });

  it('masks a key glued to other text', () => {
    expect(createScrubber('k')(`api_key_${SECRET}`)).toBe('api_key_sk_***');
  });

  it('scrubs a long string in linear time', () => {
    // A ratio, not a wall-clock bound (machines here are shared): sixteen times the input costs
    // about sixteen times the time when scrubbing is linear, 256 when it is quadratic. The fastest of
    // five tries: a busy machine only ever adds time.
    const scrub = createScrubber('k');
    const input = (n: number) => `${'a'.repeat(n)}@x.com ${'b'.repeat(n)}`;
    const cost = (text: string) => {
      const times = [0, 1, 2, 3, 4].map(() => {
        const started = performance.now();
        expect(scrub(text)).not.toContain('@x.com');
        return performance.now() - started;
      });
      return Math.min(...times);
    };
    const small = cost(input(20_000));
    const large = cost(input(320_000));
    expect(large / Math.max(small, 0.2)).toBeLessThan(64);
  });
});

describe('logger output', () => {
  it('writes JSON lines with level, message, timestamp and fields', async () => {
    const { logger, output } = captured({ format: 'json' });
    logger.info('run started', { runId: 'run_1', rows: 3 });
    logger.warn('slow', { level: 'not the level' });
    await logger.close();
    const lines = output().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'run started', runId: 'run_1', rows: 3 });
    expect(typeof lines[0]?.timestamp).toBe('string');
    expect(lines[1]).toMatchObject({ level: 'warn', message: 'slow', field_level: 'not the level' });
  });

  it('writes text lines with key=value fields', async () => {
    const { logger, output } = captured({ format: 'text' });
    logger.error('job failed', { jobId: 'rdj_1', reason: 'two words', count: 2 });
    await logger.close();
    expect(output()).toMatch(/^\S+ error job failed jobId=rdj_1 reason="two words" count=2\n$/);
  });

  it('serialises errors with their message and code', async () => {
    const { logger, output } = captured({ format: 'json' });
    logger.error('boom', { error: Object.assign(new Error('bad thing'), { code: 'E_BAD' }) });
    await logger.close();
    expect(JSON.parse(output())).toMatchObject({ error: { name: 'Error', message: 'bad thing', code: 'E_BAD' } });
  });

  it('survives circular fields', async () => {
    const { logger, output } = captured({ format: 'json' });
    const loop: Record<string, unknown> = { id: 'x' };
    loop.self = loop;
    logger.info('loop', { loop });
    await logger.close();
    expect(JSON.parse(output())).toMatchObject({ loop: { id: 'x', self: '[circular]' } });
  });

  it('drops entries below the level', async () => {
    const { logger, output } = captured({ format: 'json', level: 'warn' });
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    await logger.close();
    expect(output().trimEnd().split('\n')).toHaveLength(1);
  });

  it('keeps everything down to its own level in the file while the console takes warnings only', async () => {
    const logFile = join(dir, 'levels.log');
    const { logger, output } = captured({ format: 'json', level: 'warn', logFile, logFileLevel: 'debug' });
    logger.debug('a response');
    logger.info('job created');
    logger.warn('job failed');
    await logger.close();
    expect(output().trimEnd().split('\n').map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['job failed']);
    const file = (await readFile(logFile, 'utf8')).trimEnd().split('\n');
    expect(file.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['a response', 'job created', 'job failed']);
  });

  it('writes a file-only entry to the log file and never to the console, in either format', async () => {
    for (const format of ['text', 'json'] as const) {
      const logFile = join(dir, `file-only-${format}.log`);
      const { logger, output } = captured({ format, level: 'debug', logFile });
      logger.fileOnly?.('error', 'run aborted', { code: 'GATEWAY_UNAVAILABLE' });
      logger.error('shown on both');
      await logger.close();
      expect(output()).not.toContain('run aborted');
      expect(output()).toContain('shown on both');
      const file = (await readFile(logFile, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(file.map((entry) => [entry.level, entry.message])).toEqual([['error', 'run aborted'], ['error', 'shown on both']]);
      expect(file[0]).toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
    }
  });

  it('writes JSON lines to the log file whatever the console format, appending, and flushes on close', async () => {
    const logFile = join(dir, 'nested', 'dir', 'run.log');
    const first = captured({ format: 'text', logFile });
    first.logger.info('one', { n: 1 });
    await first.logger.close();
    const second = captured({ format: 'text', logFile });
    for (let n = 0; n < 1000; n += 1) second.logger.info('many', { n });
    await second.logger.close();
    const lines = (await readFile(logFile, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1001);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'one', n: 1 });
    expect(JSON.parse(lines[1000]!)).toMatchObject({ message: 'many', n: 999 });
  });

  it('ignores calls after close, and a second close', async () => {
    const { logger, output } = captured({ format: 'json' });
    await logger.close();
    logger.info('late');
    await logger.close();
    expect(output()).toBe('');
  });

  it('rejects an unknown level, naming the option', () => {
    expect(() => createLogger({ format: 'json', level: 'loud', stream: new PassThrough() })).toThrow(ConfigError);
    expect(() => createLogger({ format: 'json', level: 'loud', stream: new PassThrough() })).toThrow(
      expect.objectContaining({ code: 'CONFIG_LOG_LEVEL', option: 'level' }),
    );
  });

  it('rejects a log file that cannot be opened', () => {
    expect(() => createLogger({ format: 'json', logFile: dir, stream: new PassThrough() })).toThrow(
      expect.objectContaining({ code: 'CONFIG_LOG_FILE' }),
    );
  });

  it('offers a silent logger for tests: it writes nowhere, at any level', async () => {
    const writes: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (writes.push(String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (writes.push(String(chunk)), true));
    const consoleCalls = (['log', 'info', 'warn', 'error', 'debug'] as const).map((name) => vi.spyOn(console, name).mockImplementation(() => undefined));
    try {
      const logger = createSilentLogger();
      for (const level of ['debug', 'info', 'warn', 'error'] as const) logger[level]('nothing', { email: 'a@x.com' });
      await logger.close();
      expect(writes).toEqual([]);
      for (const spy of consoleCalls) expect(spy).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      for (const spy of consoleCalls) spy.mockRestore();
    }
  });
});
