/**
 * The run's logger (winston): human text or JSON lines on stderr, and JSON lines in a log file.
 * Private by design (docs/architecture.md#private-by-design): before any transport sees an entry, a format step
 * replaces every email with a keyed-hash token and every Stripe secret with its masked prefix,
 * in the message, in field values, in field names, at any depth.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import winston from 'winston';
import { ConfigError } from '../errors.js';

/** Structured context of one entry: ids, counts, durations — never an email or a key (scrubbed anyway). */
export type LogFields = Record<string, unknown>;

/** The logging port the pipeline, gateway and CLI speak to. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * Writes to the log file only, never the console: for what the caller tells the console itself,
   * in its own words (a fatal error printed once, as a line, not a second time as a log entry).
   */
  fileOnly?(level: 'error' | 'warn' | 'info' | 'debug', msg: string, fields?: LogFields): void;
  /** Flushes the log file and stops logging; later calls are ignored. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** Console format: `text` for a person at a terminal, `json` (one object per line) for machines. */
  format: 'text' | 'json';
  /**
   * Lowest level written to the console: `error`, `warn`, `info`, `http`, `verbose`, `debug` or `silly`.
   * @default 'info'
   */
  level?: string;
  /** A file that receives every entry as a JSON line, appended; its directory is created. */
  logFile?: string;
  /**
   * Lowest level written to `logFile`: a cron run keeps its console quiet and its file complete.
   * @default the console's `level`
   */
  logFileLevel?: string;
  /**
   * Where console output goes.
   * @default process.stderr
   */
  stream?: NodeJS.WritableStream;
  /**
   * Key of the hash that stands in for emails. With the same key the same email gets the same
   * token across runs; without one a random key per logger keeps tokens from being matched
   * against a list of known addresses.
   */
  emailHashKey?: string | Uint8Array;
}

const LEVELS = Object.keys(winston.config.npm.levels);
/** Entry keys winston owns; a field of the same name is renamed rather than allowed to clobber them. */
const RESERVED_KEYS = new Set(['level', 'message', 'timestamp']);
/** Nesting below this depth is summarised: a log line is not a data dump. */
const MAX_DEPTH = 8;

/**
 * Console output in `format` to `stream` (stderr by default), and JSON lines to `logFile` when
 * given.
 *
 * @throws {ConfigError} `CONFIG_LOG_LEVEL` for an unknown level, `CONFIG_LOG_FILE` when the log
 * file cannot be opened for appending.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = checkLevel('level', options.level ?? 'info');
  const fileLevel = checkLevel('logFileLevel', options.logFileLevel ?? level);
  const consoleStream = options.stream ?? process.stderr;
  const scrubber = createScrubber(options.emailHashKey ?? randomBytes(32));

  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream: consoleStream,
      level,
      format: winston.format.combine(skipFileOnly(), options.format === 'json' ? winston.format.json() : textFormat()),
    }),
  ];
  const file = options.logFile === undefined ? undefined : openLogFile(options.logFile, consoleStream);
  if (file !== undefined) {
    transports.push(new winston.transports.Stream({ stream: file, level: fileLevel, format: winston.format.json() }));
  }

  const logger = winston.createLogger({
    // The logger passes what the most verbose transport takes; each transport filters its own.
    level: LEVELS.indexOf(fileLevel) > LEVELS.indexOf(level) && file !== undefined ? fileLevel : level,
    levels: winston.config.npm.levels,
    format: winston.format.combine(winston.format.timestamp(), scrubFormat(scrubber)()),
    transports,
    exitOnError: false,
  });
  // A failing transport must not crash the run; the console still carries the message.
  logger.on('error', () => undefined);

  let isClosed = false;
  const log = (entryLevel: string, msg: string, fields?: LogFields, fileOnly = false): void => {
    if (isClosed) return;
    logger.log({ level: entryLevel, message: msg, ...renameReserved(fields ?? {}), ...(fileOnly ? { [FILE_ONLY]: true } : {}) });
  };

  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    fileOnly: (entryLevel, msg, fields) => log(entryLevel, msg, fields, true),
    async close() {
      if (isClosed) return;
      isClosed = true;
      // Ending the logger ends the transports piped from it; each finishes after its last write.
      const finished = logger.transports.map((transport) => once(transport, 'finish'));
      logger.end();
      await Promise.all(finished);
      if (file !== undefined && !file.destroyed) {
        file.end();
        await once(file, 'close');
      }
    },
  };
}

function checkLevel(option: 'level' | 'logFileLevel', value: string): string {
  if (!LEVELS.includes(value)) {
    throw new ConfigError(`Expected \`${option}\` to be one of ${LEVELS.join(', ')}, got \`${value}\``, {
      code: 'CONFIG_LOG_LEVEL',
      option,
    });
  }
  return value;
}

/** A logger that drops everything, for tests. */
export function createSilentLogger(): Logger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    close: async () => undefined,
  };
}

/**
 * Returns a function replacing, in one string, emails (also URL-encoded, also inside an escaped
 * search query) with `<email:HASH>` and Stripe secret keys, restricted keys and webhook secrets
 * with `sk_***`, `rk_***`, `whsec_***`. Exported for the tests of this module's privacy rule.
 */
export function createScrubber(emailHashKey: string | Uint8Array): (text: string) => string {
  const token = (email: string): string =>
    `<email:${createHmac('sha256', emailHashKey).update(email.toLowerCase()).digest('hex').slice(0, 12)}>`;
  const maskEmails = (text: string): string =>
    // The cheap test first: most strings hold no address, and the pattern is costlier.
    !text.includes('@') && !/%40/i.test(text)
      ? text
      : text.replace(EMAIL, (match) => {
          // Quotes and escapes a search query puts before an address stay outside the token, so
          // the same address gets the same token wherever it appears.
          const lead = /^['`\\]+/.exec(match)?.[0] ?? '';
          return lead + token(canonicalEmail(match.slice(lead.length)));
        });
  return (text) => maskEmails(text).replace(SECRET_KEY, '$1_***').replace(WEBHOOK_SECRET, 'whsec_***');
}

/** Undoes search-query escapes and URL encoding, so each spelling of an address hashes alike. */
function canonicalEmail(match: string): string {
  const unescaped = match.replace(/\\(.)/g, '$1');
  try {
    return decodeURIComponent(unescaped);
  } catch {
    // A stray `%` that is not an escape: hash the text as it stands.
    return unescaped.replace(/%40/i, '@');
  }
}

// Generous on purpose: masking a little too much is harmless, showing part of an address is not.
// The local part takes RFC 5322 atext (less `/ = ?`, which delimit URLs), quotes, backslashes and
// `%` (URL-encoding); `%40` is an encoded `@`. Quantifiers are bounded (a local part is at most 64
// characters, 192 URL-encoded; a domain label 63) so that a long string costs linear time.
const EMAIL = /[\p{L}\p{N}.!#$%&'*+^_`{|}~\\-]{1,200}(?:@|%40)[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63})+/giu;
const SECRET_KEY = /(?<![A-Za-z0-9])(sk|rk)_[A-Za-z0-9_]{6,}/g;
const WEBHOOK_SECRET = /(?<![A-Za-z0-9])whsec_[A-Za-z0-9+/=_]+/g;

/** A winston format applying `scrub` to every string-keyed property of an entry, deeply. */
function scrubFormat(scrub: (text: string) => string) {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      const value = scrubValue(info[key], scrub, 0, new WeakSet());
      const safeKey = scrub(key);
      if (safeKey !== key) delete info[key];
      info[safeKey] = value;
    }
    return info;
  });
}

function scrubValue(value: unknown, scrub: (text: string) => string, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);

  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub, depth + 1, seen));
  // Errors' own properties are not enumerable; JSON would print `{}` and lose the message.
  const source: Record<string, unknown> =
    value instanceof Error
      ? { ...(value as object), name: value.name, message: value.message, stack: value.stack }
      : { ...value };
  const scrubbed: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    if (item !== undefined) scrubbed[scrub(key)] = scrubValue(item, scrub, depth + 1, seen);
  }
  return scrubbed;
}

function renameReserved(fields: LogFields): LogFields {
  const renamed: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    renamed[RESERVED_KEYS.has(key) ? `field_${key}` : key] = value;
  }
  return renamed;
}

/** Marks an entry for the log file only; a symbol, so no field can collide with it and no transport prints it. */
const FILE_ONLY = Symbol('stripe-redact.fileOnly');

/** Drops the entries marked {@link FILE_ONLY} (the console transport's first step). */
function skipFileOnly() {
  return winston.format((info) => ((info as Record<symbol, unknown>)[FILE_ONLY] === true ? false : info))();
}

/** `2025-01-31T22:04:05.123Z info  message key=value key2="two words"`. */
function textFormat() {
  return winston.format.printf((info) => {
    const { level, message, timestamp, ...fields } = info;
    const pairs = Object.entries(fields).map(([key, value]) => ` ${key}=${formatTextValue(value)}`);
    return `${String(timestamp)} ${String(level).padEnd(5)} ${String(message)}${pairs.join('')}`;
  });
}

function formatTextValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** Opens the log file for appending now, so a bad path stops the run before it starts. */
function openLogFile(path: string, consoleStream: NodeJS.WritableStream): WriteStream {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    throw new ConfigError(`Cannot open the log file ${path}: ${(error as Error).message}`, {
      code: 'CONFIG_LOG_FILE',
      option: 'logFile',
      cause: error,
    });
  }
  const file = createWriteStream(path, { fd });
  // A full disk must not crash the run; say so once on the console and carry on without the file.
  let hasFailed = false;
  file.on('error', (error) => {
    if (hasFailed) return;
    hasFailed = true;
    consoleStream.write(`stripe-redact: writing the log file ${path} failed: ${error.message}\n`);
  });
  return file;
}
