import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/errors.js';
import { inspectRequestFile } from '../../src/input/request-reader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'request-reader-column-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function fixture(content: string): Promise<string> {
  fileCount += 1;
  const path = join(dir, `requests-${fileCount}.csv`);
  await writeFile(path, content);
  return path;
}

async function inspectionError(path: string, column?: string): Promise<InputFileError> {
  const error = await inspectRequestFile(path, column === undefined ? {} : { column }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

describe('request reader: header detection', () => {
  it.each(['email', 'E-Mail', ' Email_Address ', 'customer', 'Customer_ID', 'ID', 'stripe_id', 'identifier'])(
    'recognises %j as an identifier header',
    async (name) => {
      const path = await fixture(`request,${name}\nR1,a@x.com\n`);
      const info = await inspectRequestFile(path, {});
      expect(info.header).toEqual(['request', name]);
      expect(info.identifierColumn).toBe(1);
      expect(info.identifierColumnName).toBe(name);
    },
  );

  it('finds a header with unknown names when later rows hold identifiers and the first does not', async () => {
    const path = await fixture('Mail Address\na@x.com\ncus_123\n');
    const info = await inspectRequestFile(path, {});
    expect(info.header).toEqual(['Mail Address']);
    expect(info.identifierColumn).toBe(0);
  });

  it('reads a first row of identifiers as data', async () => {
    const path = await fixture('a@x.com,R1\nb@y.com,R2\n');
    const info = await inspectRequestFile(path, { column: '1' });
    expect(info.header).toBeNull();
  });

  it('keeps a mistyped request in the first row as data rather than taking it for a header', async () => {
    for (const first of ['jane@@x.com', 'jane@localhost', 'sub_1MowQVLkdIw']) {
      const path = await fixture(`${first}\na@x.com\n`);
      expect((await inspectRequestFile(path, {})).header).toBeNull();
    }
  });

  it('reads a single row that names no identifier as data', async () => {
    const path = await fixture('not an identifier\n');
    expect((await inspectRequestFile(path, {})).header).toBeNull();
  });

  it('accepts a header-only file', async () => {
    const path = await fixture('email,request\n');
    expect(await inspectRequestFile(path, {})).toMatchObject({ header: ['email', 'request'], identifierColumn: 0, columnCount: 2 });
  });
});

describe('request reader: identifier column', () => {
  it('prefers, among recognised headers, the column that holds identifiers', async () => {
    const path = await fixture('id,email\nREQ-1,a@x.com\nREQ-2,b@y.com\n');
    expect((await inspectRequestFile(path, {})).identifierColumnName).toBe('email');
  });

  it('breaks a tie between recognised headers by the more specific name', async () => {
    const path = await fixture('id,email\n');
    expect((await inspectRequestFile(path, {})).identifierColumnName).toBe('email');
  });

  it('takes --column by header name, case-insensitively', async () => {
    const path = await fixture('Request,Contact Mail,Email\nR1,a@x.com,other@x.com\n');
    const info = await inspectRequestFile(path, { column: 'contact mail' });
    expect(info).toMatchObject({ identifierColumn: 1, identifierColumnName: 'Contact Mail' });
  });

  it('takes the first row as the header when --column names one of its cells', async () => {
    const path = await fixture('Ticket,Contact\nT1,not-an-email\n');
    expect(await inspectRequestFile(path, { column: 'CONTACT' })).toMatchObject({
      header: ['Ticket', 'Contact'],
      identifierColumn: 1,
      identifierColumnName: 'Contact',
    });
  });

  it('rejects an empty --column as a configuration error', async () => {
    const path = await fixture('email\na@x.com\n');
    await expect(inspectRequestFile(path, { column: ' ' })).rejects.toMatchObject({ code: 'CONFIG_COLUMN', option: '--column' });
  });

  it('takes --column as a 1-based number without a header', async () => {
    const path = await fixture('R1,a@x.com\nR2,b@y.com\n');
    expect(await inspectRequestFile(path, { column: '2' })).toMatchObject({
      header: null,
      identifierColumn: 1,
      identifierColumnName: 'column_2',
      columnCount: 2,
    });
  });

  it('rejects a --column name the header does not hold, listing the header', async () => {
    const path = await fixture('request,email\nR1,a@x.com\n');
    const error = await inspectionError(path, 'mail');
    expect(error.code).toBe('INPUT_NO_COLUMN');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(/"request", "email"/);
  });

  it('rejects a --column number out of range', async () => {
    const path = await fixture('R1,a@x.com\n');
    const error = await inspectionError(path, '3');
    expect(error.code).toBe('INPUT_NO_COLUMN');
    expect(error.message).toMatch(/from 1 to 2/);
  });

  it('takes, among columns with no recognisable header, the one whose values are identifiers, and says why', async () => {
    const path = await fixture('Ticket,Contact\nT1,a@x.com\nT2,b@y.com\n');
    const info = await inspectRequestFile(path, {});
    expect(info).toMatchObject({ identifierColumn: 1, identifierColumnName: 'Contact', identifierColumnChoice: { chosenBy: 'content' } });
    expect(info.identifierColumnChoice.reason).toMatch(/"Contact": 2 of 2 sampled values are emails or Stripe ids/);
  });

  it('takes, without a header, the column whose values are identifiers', async () => {
    const path = await fixture('T1,a@x.com\nT2,b@y.com\n');
    expect(await inspectRequestFile(path, {})).toMatchObject({ header: null, identifierColumn: 1, identifierColumnName: 'column_2' });
  });

  it('picks "Requester email" in a Zendesk-style ticket export, not the ticket Id the header proposes', async () => {
    const path = await fixture(
      'Id,Subject,Requester,Requester email,Created at,Tags\n' +
        '1042,Delete my data,Jane Doe,jane.doe@example.com,2026-11-03 10:12:00 +0100,gdpr\n' +
        '1043,Erase account,Ken Ito,ken@example.com,2026-11-04 09:00:00 +0100,gdpr\n',
    );
    const info = await inspectRequestFile(path, {});
    expect(info).toMatchObject({ identifierColumnName: 'Requester email', identifierColumnChoice: { chosenBy: 'content' }, receivedColumn: 4 });
    expect(info.identifierColumnChoice.reason).toMatch(/the header "Id" proposed holds 0 of 2/);
  });

  it('reads Name <address> cells as identifiers when choosing, and ties go to the header order (emails first)', async () => {
    const path = await fixture('customer,Contact,email\ncus_1,Jane <jane@x.com>,jane@x.com\ncus_2,Ken <ken@x.com>,ken@x.com\n');
    expect((await inspectRequestFile(path, {})).identifierColumnName).toBe('email');
  });

  it('falls back to a known header when no sampled value is an identifier', async () => {
    const path = await fixture('id,name\nREQ-1,Jane\n');
    expect(await inspectRequestFile(path, {})).toMatchObject({ identifierColumnName: 'id', identifierColumnChoice: { chosenBy: 'header' } });
  });

  it('rejects several columns without a header or identifiers, asking for a column number', async () => {
    const path = await fixture('T1,Jane\nT2,Ken\n');
    const error = await inspectionError(path);
    expect(error.code).toBe('INPUT_NO_COLUMN');
    expect(error.message).toMatch(/--column with its 1-based number/);
  });
});

describe('request reader: the received-date column', () => {
  it.each(['received_at', 'Requested_At', ' created ', 'DATE', 'request_date'])('recognises %j', async (name) => {
    const path = await fixture(`email,note,${name}\na@x.com,hi,2026-11-03\n`);
    expect((await inspectRequestFile(path, {})).receivedColumn).toBe(2);
  });

  it.each(['Created at', 'Date Received', 'received date', 'Submitted_At', 'requested on', 'CreatedAt'])('recognises %j, ignoring case, spaces and _', async (name) => {
    const path = await fixture(`email,note,${name}\na@x.com,hi,2026-11-03\n`);
    expect((await inspectRequestFile(path, {})).receivedColumn).toBe(2);
  });

  it('names a date-like column when no received-date column is found', async () => {
    expect(await inspectRequestFile(await fixture('email,opened\na@x.com,2026-11-03\n'), {})).toMatchObject({ receivedColumn: null, dateLikeColumn: 1 });
    expect(await inspectRequestFile(await fixture('email,note\na@x.com,hello\n'), {})).toMatchObject({ receivedColumn: null, dateLikeColumn: null });
  });

  it('has none without a known header, and none without a header at all', async () => {
    expect((await inspectRequestFile(await fixture('email,opened\na@x.com,2026-11-03\n'), {})).receivedColumn).toBeNull();
    expect((await inspectRequestFile(await fixture('a@x.com\nb@x.com\n'), {})).receivedColumn).toBeNull();
  });

  it('prefers received_at over a plain date column', async () => {
    const path = await fixture('date,email,received_at\n2026-01-01,a@x.com,2026-11-03\n');
    expect((await inspectRequestFile(path, {})).receivedColumn).toBe(2);
  });

  it('takes --received-column by name or number, and names the option when it names no column or the identifier', async () => {
    const path = await fixture('email,opened\na@x.com,2026-11-03\n');
    expect((await inspectRequestFile(path, { receivedColumn: 'Opened' })).receivedColumn).toBe(1);
    expect((await inspectRequestFile(path, { receivedColumn: '2' })).receivedColumn).toBe(1);
    const missing = await inspectRequestFile(path, { receivedColumn: 'when' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputFileError);
    expect((missing as Error).message).toMatch(/--received-column 'when' names no column; the header is/);
    const same = await inspectRequestFile(path, { receivedColumn: 'email' }).catch((e: unknown) => e);
    expect((same as Error).message).toMatch(/--received-column 'email' names the identifier column/);
  });
});
