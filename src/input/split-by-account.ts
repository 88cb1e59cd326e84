/**
 * A platform's input, split by each row's connected account: one requests file per account (the
 * key's own account is `''`), each holding that account's rows in input order, in the input's
 * delimiter, under a header of its own (`input column N`). Each file is run as an input of its own; {@link AccountSplit.order} is what
 * puts their reports back together in input order.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify, type Stringifier } from 'csv-stringify';
import { isAccountId } from '../domain/account-id.js';
import type { NotARequest } from '../domain/export-footer.js';
import { InputFileError } from '../errors.js';
import { pidAfterPrefix, removeLeftBehind } from '../io/left-behind.js';
import { findNamedColumn, normaliseHeaderCell } from './request-columns.js';
import { readRequestRows, type RequestFileInfo } from './request-reader.js';

/** The private directories' names begin so, then the pid of the run that made them. */
const SPLIT_PREFIX = 'stripe-redact-accounts-';

/** Headers that propose an account column; it is one only when its non-empty cells are all account ids. */
export const KNOWN_ACCOUNT_HEADERS = ['account', 'stripe_account', 'account_id'] as const;

/** The name of column `index` (0-based) in a part's header: how a part's columns are named to its run. */
export function partColumnName(index: number): string {
  return `input column ${index + 1}`;
}

/** The account column: where, and how it was found. */
export interface AccountColumn {
  index: number;
  name: string;
  chosenBy: 'option' | 'header';
}

/** One account's share of the input. */
export interface AccountPart {
  /** `acct_…`, or `''` for the key's own account. */
  account: string;
  /** The requests file holding its rows (a header naming the columns by {@link partColumnName}, then its rows). */
  path: string;
  rows: number;
}

export interface AccountSplit {
  column: AccountColumn;
  /** In order of first appearance. */
  parts: AccountPart[];
  /**
   * For each record the input's reader yields, in input order: the index in `parts` of its account,
   * or -1 for a blank separator line (kept out of every part: it is reported where it stands).
   */
  order: Int32Array;
  /** The input's own row number of each record, in the same order. */
  rowNumbers: Int32Array;
  /** The records of blank separator lines, by their input row number (reported `skipped` by the merge). */
  separators: Map<number, { fields: string[]; kind: NotARequest | undefined }>;
  /** Removes the parts' files. */
  remove(): void;
}

/**
 * The account column: `--account-column` (a header name, then a 1-based number; naming none is an
 * input error), else the first header of {@link KNOWN_ACCOUNT_HEADERS}; `undefined` when there is none.
 * A header-proposed column is confirmed only by {@link splitByAccount} (all its cells account ids).
 */
export function findAccountColumn(info: RequestFileInfo, option: string | undefined): AccountColumn | undefined {
  if (option !== undefined) {
    const index = findNamedColumn(info.name, info.header, info.columnCount, option, '--account-column');
    if (index === info.identifierColumn) {
      throw new InputFileError(`${info.name}: --account-column '${option}' is the identifier column; name the column holding each row's acct_ id`, { code: 'INPUT_NO_COLUMN', path: info.name });
    }
    return { index, name: info.header?.[index] ?? `column_${index + 1}`, chosenBy: 'option' };
  }
  if (info.header === null) return undefined;
  const index = info.header.findIndex((cell, i) => i !== info.identifierColumn && (KNOWN_ACCOUNT_HEADERS as readonly string[]).includes(normaliseHeaderCell(cell)));
  return index === -1 ? undefined : { index, name: info.header[index] ?? '', chosenBy: 'header' };
}

/**
 * Splits the input by `column` into one file per account under a private temporary directory.
 * Returns `undefined` (and leaves no file) when the column was only proposed by its header and a
 * cell is no account id, or no row names an account: it is then an input column like any other.
 * Under `--account-column`, a cell that is no account id is an `InputFileError` naming its row.
 * The splits a run killed outright left in the same place are removed first (io/left-behind.ts).
 */
export async function splitByAccount(info: RequestFileInfo, column: AccountColumn, options: { parentDir?: string } = {}): Promise<AccountSplit | undefined> {
  const parent = options.parentDir ?? tmpdir();
  removeLeftBehind(parent, pidAfterPrefix(SPLIT_PREFIX));
  const dir = mkdtempSync(join(parent, `${SPLIT_PREFIX}${process.pid}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Parts given up: every file closed before the directory goes, or a part whose open is still in
  // flight fails on the removed directory, with no one listening, and takes the process down.
  const discard = async () => {
    await Promise.all(
      writers.map(async ({ out }) => {
        out.on('error', () => undefined);
        if (out.closed) return;
        const closed = once(out, 'close').catch(() => undefined);
        out.destroy();
        await closed;
      }),
    );
    remove();
  };
  const writers: { stringifier: Stringifier; out: WriteStream; part: AccountPart }[] = [];
  const byAccount = new Map<string, number>();
  const order = new GrowableInts();
  const rowNumbers = new GrowableInts();
  const separators: AccountSplit['separators'] = new Map();
  let named = 0;
  const writerOf = (account: string): number => {
    let index = byAccount.get(account);
    if (index !== undefined) return index;
    index = writers.length;
    const path = join(dir, `${account === '' ? 'own' : account}.csv`);
    const out = createWriteStream(path, { mode: 0o600 });
    const stringifier = stringify({ delimiter: info.delimiter });
    stringifier.pipe(out);
    // A header of its own, always: a part's first row must never be taken for data or for a header
    // by guessing, and its columns are then named for certain (`partColumnName`).
    stringifier.write(Array.from({ length: Math.max(info.columnCount, info.header?.length ?? 0) }, (_, i) => partColumnName(i)));
    writers.push({ stringifier, out, part: { account, path, rows: 0 } });
    byAccount.set(account, index);
    return index;
  };
  try {
    for await (const row of readRequestRows(info)) {
      const isBlank = row.fields.every((cell) => cell.trim() === '');
      if (isBlank) {
        // A separator line (`,,,`): no account, no request; it stays where it is in the report.
        order.push(-1);
        rowNumbers.push(row.row);
        separators.set(row.row, { fields: row.fields, kind: row.notARequest });
        continue;
      }
      const account = (row.fields[column.index] ?? '').trim();
      if (account !== '' && !isAccountId(account)) {
        if (column.chosenBy === 'header') {
          await discard();
          return undefined;
        }
        throw new InputFileError(`${info.name}: row ${row.row} (line ${row.line}): the account column ${JSON.stringify(column.name)} holds '${account.slice(0, 40)}', which is no account id (acct_…); leave it empty for the key's own account`, {
          code: 'INPUT_ACCOUNT',
          path: info.name,
          line: row.line,
          column: column.index + 1,
        });
      }
      if (account !== '') named += 1;
      const index = writerOf(account);
      const writer = writers[index]!;
      writer.part.rows += 1;
      order.push(index);
      rowNumbers.push(row.row);
      if (!writer.stringifier.write(row.fields)) await once(writer.stringifier, 'drain');
    }
    await Promise.all(
      writers.map(async (w) => {
        w.stringifier.end();
        await once(w.out, 'close');
      }),
    );
    if (named === 0 && column.chosenBy === 'header') {
      remove();
      return undefined;
    }
    return { column, parts: writers.map((w) => w.part), order: order.toArray(), rowNumbers: rowNumbers.toArray(), separators, remove };
  } catch (error) {
    await discard();
    throw error;
  }
}

/** An append-only list of 32-bit integers: a million rows cost 4 MB, not a million JS numbers in an array. */
class GrowableInts {
  #items = new Int32Array(1024);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#items.length) {
      const larger = new Int32Array(this.#items.length * 2);
      larger.set(this.#items);
      this.#items = larger;
    }
    this.#items[this.#length++] = value;
  }

  toArray(): Int32Array {
    return this.#items.subarray(0, this.#length);
  }
}
