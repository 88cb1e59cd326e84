import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neutraliseCell } from '../../src/report/spreadsheet-safe.js';
import { RESULT_COLUMNS, RESULT_CSV_VERSION, writeJsonFileAtomic, writeResultsFile, type ResultRow } from '../../src/report/result-writer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'result-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(overrides: Partial<ResultRow> = {}): ResultRow {
  return {
    fields: ['a@x.com'],
    row: 1,
    identifierType: 'email',
    status: 'redacted',
    objectIds: ['cus_1'],
    jobId: 'prj_1',
    earlierJobIds: [],
    blockingCodes: [],
    fixes: [],
    messages: [],
    dueBy: null,
    runId: 'run_1',
    livemode: false,
    updatedAt: '2025-01-31T22:04:05.000Z',
    verifiedAt: null,
    ...overrides,
  };
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function readCsv(path: string): Promise<string[][]> {
  return parse(await readFile(path), { relax_column_count: true }) as string[][];
}

describe('neutraliseCell', () => {
  it.each(['=1+1', '+44 20', '-5', '@SUM(A1)', '\tx', '\rx'])('prefixes %j with a quote', (value) => {
    expect(neutraliseCell(value)).toBe(`'${value}`);
  });

  it.each(['', 'a@x.com', 'cus_1', "'quoted", ' =not first', '1-2'])('leaves %j alone', (value) => {
    expect(neutraliseCell(value)).toBe(value);
  });
});

describe('writeResultsFile', () => {
  it('writes the input columns in order, then the result columns', async () => {
    const path = join(dir, 'order', 'results.csv');
    const { rowsWritten } = await writeResultsFile(
      path,
      ['request', 'email', 'date'],
      3,
      from([
        result({
          fields: ['R1', 'a@x.com', '2025-01-01'],
          objectIds: ['cus_1', 'cus_2'],
          jobId: 'prj_2',
          earlierJobIds: ['prj_0', 'prj_1'],
          fixes: ['canceled PaymentIntent pi_1', 'canceled subscription sub_1'],
          dueBy: '2025-02-01',
          livemode: true,
          verifiedAt: '2025-01-31T22:05:00.000Z',
        }),
        result({
          fields: ['R2', 'nope', '2025-01-02'],
          row: 3,
          identifierType: 'unknown',
          status: 'invalid',
          objectIds: [],
          jobId: null,
          blockingCodes: ['code_a', 'code_b'],
          messages: ['first, with a comma; and a semicolon', 'second "quoted"'],
        }),
      ]),
    );
    expect(rowsWritten).toBe(2);
    expect(await readCsv(path)).toEqual([
      ['request', 'email', 'date', ...RESULT_COLUMNS],
      ['R1', 'a@x.com', '2025-01-01', '1', 'email', 'redacted', 'cus_1 cus_2', 'prj_2', 'prj_0 prj_1', '', 'canceled PaymentIntent pi_1\ncanceled subscription sub_1', '', '2025-02-01', 'run_1', 'true', '2025-01-31T22:04:05.000Z', '2025-01-31T22:05:00.000Z'],
      ['R2', 'nope', '2025-01-02', '3', 'unknown', 'invalid', '', '', '', 'code_a code_b', '', 'first, with a comma; and a semicolon\nsecond "quoted"', '', 'run_1', 'false', '2025-01-31T22:04:05.000Z', ''],
    ]);
  });

  it('keeps the result columns of version 2 in their contracted order, and adds verified_at last (version 3)', () => {
    expect(RESULT_COLUMNS).toEqual([
      'row', 'identifier_type', 'status', 'object_ids', 'job_id', 'earlier_job_ids', 'blocking_codes', 'fixes', 'messages', 'due_by', 'run_id', 'livemode', 'updated_at',
      'verified_at',
    ]);
    expect(RESULT_CSV_VERSION).toBe(3);
  });

  it('renames an input column that a result column would repeat, and nothing else', async () => {
    const path = join(dir, 'collide.csv');
    await writeResultsFile(path, ['row', 'email', 'status', 'status (input)', 'messages', 'email'], 6, from([result({ fields: ['1', 'a@x.com', 'open', 'x', 'hi', 'b'] })]));
    const [header, row] = await readCsv(path);
    expect(header?.slice(0, 6)).toEqual(['row (input)', 'email', 'status (input) (input)', 'status (input)', 'messages (input)', 'email']);
    for (const column of RESULT_COLUMNS) expect(header?.filter((name) => name === column)).toEqual([column]);
    expect(row?.slice(0, 7)).toEqual(['1', 'a@x.com', 'open', 'x', 'hi', 'b', '1']);
  });

  it('renames an input column a result column would repeat in another case, keeping its case', async () => {
    const path = join(dir, 'rename-case.csv');
    await writeResultsFile(path, ['Status', 'EMAIL', 'Row', 'Messages (Input)', 'messages'], 5, from([result({ fields: ['open', 'a@x.com', '7', 'x', 'y'] })]));
    const [header, first] = await readCsv(path);
    expect(header?.slice(0, 5)).toEqual(['Status (input)', 'EMAIL', 'Row (input)', 'Messages (Input)', 'messages (input) (input)']);
    // Every header name is one column, whatever its case, so a lookup by name finds one.
    expect(new Set(header?.map((h) => h.toLowerCase())).size).toBe(header?.length);
    expect(first?.slice(0, 5)).toEqual(['open', 'a@x.com', '7', 'x', 'y']);
    expect(first?.[header?.indexOf('status') ?? -1]).toBe('redacted');
  });

  it("writes the operator's flags after the words in messages, one a line", async () => {
    const path = join(dir, 'operator.csv');
    await writeResultsFile(path, ['email'], 1, from([result({ messages: ['blocked — cancel it'], commands: ['--mode validate --validation-behavior fix'] })]));
    const [header, first] = await readCsv(path);
    expect(first?.[header?.indexOf('messages') ?? -1]).toBe('blocked — cancel it\noperator: run again with --mode validate --validation-behavior fix');
  });

  describe('with excel', () => {
    it.each([
      [',', 'comma'],
      [';', 'semicolon'],
      ['\t', 'tab'],
    ] as const)('writes a byte order mark, the input delimiter %j (%s) and CRLF, and reads back the same cells', async (delimiter, _name) => {
      const path = join(dir, `excel-${delimiter === '\t' ? 'tab' : delimiter}.csv`);
      const rows = [result({ fields: ['jörg@example.com', 'Zoë; "the" one'], messages: ['two\nlines'] })];
      await writeResultsFile(path, ['email', 'name'], 2, from(rows), { excel: { delimiter } });
      const bytes = await readFile(path);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text.startsWith(['email', 'name', ...RESULT_COLUMNS].join(delimiter) + '\r\n')).toBe(true);
      // Records end in CRLF; a line break inside a quoted cell is the cell's own.
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.split('\r\n')).toHaveLength(3);
      const parsed = parse(bytes, { bom: true, delimiter, record_delimiter: '\r\n' }) as string[][];
      expect(parsed[1]?.slice(0, 2)).toEqual(['jörg@example.com', 'Zoë; "the" one']);
      expect(parsed[1]?.[2 + RESULT_COLUMNS.indexOf('messages')]).toBe('two\nlines');
    });

    it('is not the default: without it, no byte order mark, commas and LF', async () => {
      const path = join(dir, 'plain.csv');
      await writeResultsFile(path, ['email'], 1, from([result({ fields: ['jörg@example.com'] })]));
      const bytes = await readFile(path);
      expect(bytes[0]).toBe('e'.charCodeAt(0));
      expect(bytes.toString('utf8')).not.toMatch(/\r/);
      expect(bytes.toString('utf8').split('\n')[0]).toBe(['email', ...RESULT_COLUMNS].join(','));
    });
  });

  it('names the columns column_1…column_N without an input header, padding short rows', async () => {
    const path = join(dir, 'no-header.csv');
    await writeResultsFile(path, null, 3, from([result({ fields: ['a@x.com'] }), result({ fields: ['b@y.com', 'x', 'y'], row: 2 })]));
    const [header, first, second] = await readCsv(path);
    expect(header).toEqual(['column_1', 'column_2', 'column_3', ...RESULT_COLUMNS]);
    expect(first?.slice(0, 4)).toEqual(['a@x.com', '', '', '1']);
    expect(second?.slice(0, 4)).toEqual(['b@y.com', 'x', 'y', '2']);
  });

  it('keeps the result columns aligned when a row is wider than the header, and says so', async () => {
    const path = join(dir, 'wide.csv');
    await writeResultsFile(path, ['email'], 1, from([result({ fields: ['a@x.com', 'extra', 'more'] })]));
    const [, row] = await readCsv(path);
    expect(row).toHaveLength(1 + RESULT_COLUMNS.length);
    expect(row?.slice(0, 3)).toEqual(['a@x.com', '1', 'email']);
    expect(row?.[1 + RESULT_COLUMNS.indexOf('messages')]).toMatch(/2 more cell\(s\)/);
  });

  it('neutralises every cell that a spreadsheet would run as a formula, header included', async () => {
    const path = join(dir, 'formula.csv');
    await writeResultsFile(
      path,
      ['=HEADER()', 'email'],
      2,
      from([result({ fields: ['=HYPERLINK("http://evil")', '+a@x.com'], messages: ['-starts with minus'], blockingCodes: ['@code'] })]),
    );
    const [header, row] = await readCsv(path);
    expect(header?.[0]).toBe("'=HEADER()");
    expect(row?.slice(0, 2)).toEqual(['\'=HYPERLINK("http://evil")', "'+a@x.com"]);
    expect(row?.[2 + RESULT_COLUMNS.indexOf('blocking_codes')]).toBe("'@code");
    expect(row?.[2 + RESULT_COLUMNS.indexOf('messages')]).toBe("'-starts with minus");
  });

  it('round-trips cells with quotes, commas and newlines', async () => {
    const path = join(dir, 'quoting.csv');
    const fields = ['a "b", c', 'line\nbreak', 'semi;colon'];
    await writeResultsFile(path, ['x', 'y', 'z'], 3, from([result({ fields })]));
    expect((await readCsv(path))[1]?.slice(0, 3)).toEqual(fields);
  });

  it('writes just the header for no rows', async () => {
    const path = join(dir, 'empty.csv');
    expect(await writeResultsFile(path, ['email'], 1, from([]))).toEqual({ rowsWritten: 0 });
    expect(await readCsv(path)).toEqual([['email', ...RESULT_COLUMNS]]);
  });

  it('creates missing directories', async () => {
    const path = join(dir, 'a', 'b', 'c', 'results.csv');
    await writeResultsFile(path, ['email'], 1, from([result()]));
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('leaves no file, and no temporary file, when the rows throw mid-way', async () => {
    const out = join(dir, 'atomic-new');
    const path = join(out, 'results.csv');
    async function* failing(): AsyncGenerator<ResultRow> {
      for (let row = 1; row <= 5000; row += 1) yield result({ row });
      throw new Error('state store went away');
    }
    await expect(writeResultsFile(path, ['email'], 1, failing())).rejects.toThrow('state store went away');
    expect(await readdir(out)).toEqual([]);
  });

  it('keeps the previous file intact when a rewrite fails', async () => {
    const out = join(dir, 'atomic-existing');
    const path = join(out, 'results.csv');
    await writeResultsFile(path, ['email'], 1, from([result()]));
    const before = await readFile(path, 'utf8');
    async function* failing(): AsyncGenerator<ResultRow> {
      yield result({ status: 'pending' });
      throw new Error('boom');
    }
    await expect(writeResultsFile(path, ['email'], 1, failing())).rejects.toThrow('boom');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(out)).toEqual(['results.csv']);
  });

  it("removes the temporary files a killed process left of the same file, and no live process's or other file's", async () => {
    const out = join(dir, 'left-temporaries');
    await mkdir(out);
    // A process that has exited: its pid names no process now.
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    const left = [`.results.csv.${deadPid}.0123456789ab.tmp`, `.results.csv.${process.ppid}.0123456789ab.tmp`, `.summary.json.${deadPid}.0123456789ab.tmp`, `.results.csv.${deadPid}.notours.tmp`];
    for (const name of left) await writeFile(join(out, name), 'partial');
    await writeResultsFile(join(out, 'results.csv'), ['email'], 1, from([result()]));
    // The dead run's results.csv temporary is gone; a live process's, another file's and a name not
    // of this writer's making stay.
    expect((await readdir(out)).sort()).toEqual([left[1], left[2], left[3], 'results.csv'].sort());
  });

  it('replaces an existing file whole on success', async () => {
    const path = join(dir, 'replace.csv');
    await writeFile(path, 'old content\n');
    await writeResultsFile(path, ['email'], 1, from([result()]));
    expect(await readFile(path, 'utf8')).not.toContain('old content');
  });

  it('streams many rows', async () => {
    const path = join(dir, 'many.csv');
    async function* many(): AsyncGenerator<ResultRow> {
      for (let row = 1; row <= 50_000; row += 1) yield result({ row, fields: [`u${row}@x.com`] });
    }
    expect(await writeResultsFile(path, ['email'], 1, many())).toEqual({ rowsWritten: 50_000 });
    const text = await readFile(path, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(50_001);
  });
});

describe('writeJsonFileAtomic', () => {
  it('writes indented JSON with a final newline, creating the directory', async () => {
    const path = join(dir, 'json', 'summary.json');
    await writeJsonFileAtomic(path, { counts: { redacted: 2 }, mode: 'redact' });
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ counts: { redacted: 2 }, mode: 'redact' });
    expect(await readdir(join(dir, 'json'))).toEqual(['summary.json']);
  });

  it('leaves nothing behind when the value cannot be serialised', async () => {
    const out = join(dir, 'json-bad');
    await expect(writeJsonFileAtomic(join(out, 'summary.json'), { big: 1n })).rejects.toThrow(TypeError);
    expect(await readdir(out).catch(() => [])).toEqual([]);
  });
});
