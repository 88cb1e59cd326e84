import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { readRequestRows } from '../../src/input/request-reader.js';
import { checkInput } from '../../src/pipeline/run-pipeline.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'check-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
let count = 0;
async function fixture(content: string): Promise<string> {
  const path = join(dir, `in-${(count += 1)}.csv`);
  await writeFile(path, content);
  return path;
}

describe('checkInput: how usable the identifier column is, over the whole file', () => {
  it('stops with INPUT_COLUMN_UNUSABLE when the chosen column is more than half invalid, naming a column that looks better', async () => {
    // The first rows favour column a; the rest of the file holds its requests in column b.
    const lines = ['a,b', ...Array.from({ length: 49 }, (_, i) => `p${i}@example.com,`), ...Array.from({ length: 151 }, (_, i) => `n/a,q${i}@example.com`)];
    const path = await fixture(`${lines.join('\n')}\n`);
    const error = await checkInput({ inputPath: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect(error).toMatchObject({ code: 'INPUT_COLUMN_UNUSABLE' });
    expect((error as Error).message).toMatch(/the identifier column "a" is unusable in 151 of 200 rows \(76%\)/);
    expect((error as Error).message).toMatch(/Looks better: "b" \(151 of 200 rows are emails or Stripe ids\)/);
  });

  it('runs as told with --column, counting the unusable rows', async () => {
    const path = await fixture('email\nbad\nworse\nok@example.com\n');
    const checked = await checkInput({ inputPath: path, column: 'email' });
    expect(checked.column).toMatchObject({ requests: 3, invalid: 2, skipped: 0 });
  });

  it('reads the column --column names, not the one it would choose itself', async () => {
    const path = await fixture('primary,secondary\na@example.com,cus_a\nb@example.com,cus_b\n');
    expect((await checkInput({ inputPath: path })).info.identifierColumnName).toBe('primary');
    const named = await checkInput({ inputPath: path, column: 'secondary' });
    expect(named.info).toMatchObject({ identifierColumn: 1, identifierColumnName: 'secondary' });
  });

  it('counts footer and separator lines after the data as skipped, not invalid, and reads them so', async () => {
    const path = await fixture('id;email;note\nR1;a@example.com;x\nR2;b@example.com;y\n;;\nTotal records: 2;;\nAcme GmbH;;\n');
    const checked = await checkInput({ inputPath: path });
    expect(checked).toMatchObject({ totalRows: 5, column: { requests: 2, invalid: 0, skipped: 3 } });
    expect(checked.info.lastDataRow).toBe(2);
    const rows = [];
    for await (const row of readRequestRows(checked.info)) rows.push([row.row, row.notARequest ?? null]);
    expect(rows).toEqual([
      [1, null],
      [2, null],
      [3, 'separator'],
      [4, 'footer'],
      [5, 'footer'],
    ]);
  });

  it('names a column of a file without a header by its number, and up to three columns that look better', async () => {
    // The first rows favour column 1; the rest of the file holds its requests in columns 2 to 5.
    const lines = [
      ...Array.from({ length: 49 }, (_, i) => `p${i}@example.com,,,,`),
      ...Array.from({ length: 151 }, (_, i) => `n/a,q${i}@example.com,r${i}@example.com,s${i}@example.com,${i < 100 ? `t${i}@example.com` : ''}`),
    ];
    const path = await fixture(`${lines.join('\n')}\n`);
    const error = (await checkInput({ inputPath: path, inputName: 'the export' }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'INPUT_COLUMN_UNUSABLE', path: 'the export' });
    expect(error.message).toBe(
      'the export: the identifier column column 1 is unusable in 151 of 200 rows (76%): they hold no email or Stripe id, so nothing was sent. ' +
        'Looks better: column 2 (151 of 200 rows are emails or Stripe ids), column 3 (151 of 200 rows are emails or Stripe ids), column 4 (151 of 200 rows are emails or Stripe ids). ' +
        'Name the column to read with --column (--column "1" to read this one anyway: its unusable rows are then reported invalid).',
    );
  });

  it('says when no other column looks better, and how to name the chosen one anyway', async () => {
    const path = await fixture('email,other\na@example.com,1\nbad,2\nworse,3\n');
    const error = (await checkInput({ inputPath: path }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `${path}: the identifier column "email" is unusable in 2 of 3 rows (67%): they hold no email or Stripe id, so nothing was sent. ` +
        'No other column looks better. Name the column to read with --column (--column "email" to read this one anyway: its unusable rows are then reported invalid).',
    );
  });

  it('runs a chosen column that is unusable in exactly half of its rows', async () => {
    const path = await fixture('email\na@example.com\nbad\nb@example.com\nworse\n');
    const checked = await checkInput({ inputPath: path });
    expect(checked.column).toMatchObject({ requests: 4, invalid: 2 });
  });

  it('reads the file as told: its name, encoding, received-date, request-id, channel and extension columns; counts rows as it goes', async () => {
    const path = join(dir, 'latin1.csv');
    // "Zoë" in Latin-1 is no UTF-8: read strictly, the file would be refused.
    await writeFile(path, Buffer.from('ref,who,when,via,ext,name\nR1,a@example.com,2026-11-01,web,,Zo\xeb\nR2,b@example.com,2026-11-02,mail,2026-11-20,x\n', 'latin1'));
    const rows: number[] = [];
    const checked = await checkInput(
      { inputPath: path, inputName: 'named input', encoding: 'latin1', receivedColumn: '3', requestIdColumn: 'ref', recordColumns: { channelColumn: 'via', extensionColumn: 'ext' } },
      (n) => rows.push(n),
    );
    expect(checked.info).toMatchObject({ name: 'named input', receivedColumn: 2, requestIdColumn: 0, identifierColumn: 1, lastDataRow: 2 });
    expect(checked.info.decoding.encoding).toBe('latin1');
    expect(checked.recordColumns).toEqual({ requestId: 0, channel: 3, extension: 4 });
    expect(checked.totalRows).toBe(2);
    expect(rows.at(-1)).toBe(2);
  });
});
