/**
 * What the SQLite state's concept modules (`state-*.ts`) need of the database: cached prepared
 * statements, transactions and the state's clock. sqlite-state-store.ts implements it over
 * better-sqlite3, so those modules hold SQL but import no driver.
 */
import { TERMINAL_JOB_STATUSES } from '../domain/job.js';

/** A prepared statement; parameters are positional values or one object of named ones. */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** The rows one at a time: a million of them never sit in memory together. The connection runs nothing else meanwhile. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface StateSql {
  /** Prepared statements are kept: the per-row ones run a million times on a large input. */
  prepare(sql: string): SqlStatement;
  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  /** The state's clock, as ISO-8601. */
  now(): string;
}

/** Constant strings of the domain as an SQL list: `'a','b'` (they hold no quote). */
export function sqlList(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(',');
}

/** Job statuses after which a job holds nothing: Stripe's terminal ones, and `abandoned` (never created, or unknown to Stripe). */
export const TERMINAL_JOB_SQL = sqlList([...TERMINAL_JOB_STATUSES, 'abandoned']);
