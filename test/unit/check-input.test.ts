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
});
