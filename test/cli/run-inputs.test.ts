/**
 * Real exports (issue 15): the identifier column chosen by what it holds, a mostly unusable column
 * stopping the run before anything is sent, `Name <address>` cells, an export's footer lines as
 * `skipped`, duplicates named, `--fail-on overdue`, a received date in Zendesk's form, the warning
 * when deadlines are off, and `show` telling the story of a row reported invalid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_KEY_ENV,
  describeRun,
  readResults,
  readSummary,
  removeTempDirs,
  runCli,
  startCliEmulator,
  tempDir,
  writeInput,
  type CliEmulator,
} from '../helpers/cli.js';

const ONETRUST = fileURLToPath(new URL('../fixtures/exports/onetrust-requests.csv', import.meta.url));

let emulator: CliEmulator;
beforeAll(async () => {
  emulator = await startCliEmulator({
    seed: {
      customers: [
        { id: 'cus_in_jane', email: 'jane.doe@example.com', name: 'Jane Doe' },
        { id: 'cus_in_ken', email: 'ken@example.com', name: 'Ken Ito' },
        { id: 'cus_in_joerg', email: 'joerg.mueller@example.com', name: 'Jörg Müller' },
        { id: 'cus_in_zoe', email: 'zoe.lefevre@example.com', name: 'Zoë Lefèvre' },
        { id: 'cus_in_ana', email: 'ana.garcia@example.com', name: 'Ana García' },
        { id: 'cus_in_lee', email: 'lee@example.com', name: 'Lee' },
        { id: 'cus_in_mo', email: 'mo@example.com', name: 'Mo' },
        { id: 'cus_in_sam', email: 'sam@example.com', name: 'Sam' },
        { id: 'cus_in_pat', email: 'pat@example.com', name: 'Pat' },
      ],
    },
  });
});
afterAll(async () => {
  await emulator.close();
  await removeTempDirs();
});

const ZENDESK =
  'Id,Subject,Requester,Requester email,Created at,Tags\n' +
  '1042,Delete my data,Jane Doe,jane.doe@example.com,2026-11-03 10:12:00 +0100,gdpr\n' +
  '1043,Erase my account,Ken Ito,Ken Ito <ken@example.com>,2026-11-04 09:00:00 +0100,gdpr\n';

describe('the identifier column, chosen by what it holds', () => {
  it('picks "Requester email" in a Zendesk-style export, reads Name <address>, and says which column and why', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, ZENDESK);
    const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const { rows } = readResults(dir);
    expect(rows.map((r) => [r.status, r.object_ids, r.due_by])).toEqual([
      ['redacted', 'cus_in_jane', '2026-12-03'],
      ['redacted', 'cus_in_ken', '2026-12-04'],
    ]);
    expect(rows[1]?.messages).toContain("the address was read out of 'Name <address>'");
    const summary = readSummary(dir);
    expect(summary.column).toMatchObject({ name: 'Requester email', chosenBy: 'content', unusableRows: 0 });
    expect((summary.column as { reason: string }).reason).toMatch(/the header "Id" proposed holds 0 of 2/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<dt>Identifier column</dt><dd>Requester email (&quot;Requester email&quot;: 2 of 2 sampled');
    // The request read from 'Ken Ito <ken@example.com>' is found by its address, and by the cell as written.
    for (const asked of ['ken@example.com', 'Ken Ito <ken@example.com>']) {
      const shown = await runCli(['show', asked, '--state', join(dir, 'state.db')]);
      expect(shown.code, describeRun(shown)).toBe(0);
      expect(shown.stdout).toMatch(/Outcome: redacted/);
    }
    const log = readFileSync(join(dir, 'stripe-redact.log'), 'utf8');
    expect(log).toMatch(/identifier column \\"Requester email\\" \(content\): \\"Requester email\\": 2 of 2 sampled values are emails or Stripe ids/);
  });

  it('stops with exit 2 before any call to Stripe when the best column is more than half invalid, naming it and how much', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'ticket,requester\nT1,Jane Doe\nT2,ken@example.com\nT3,Ana (phone)\n');
    const before = emulator.requests.length;
    const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(/the identifier column "requester" is unusable in 2 of 3 rows \(67%\)/);
    expect(run.stderr).toMatch(/No other column looks better/);
    expect(run.stderr).toMatch(/--column "requester" to read this one anyway/);
    expect(emulator.requests.length).toBe(before);
  });

  it('with --column does as told, and its summary says how many rows were unusable', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'ticket,requester\nT1,Jane Doe\nT2,lee@example.com\nT3,Ana (phone)\n');
    const run = await runCli(['run', input, ...emulator.runArgs(dir), '--column', 'requester'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(3);
    expect(readResults(dir).rows.map((r) => r.status)).toEqual(['invalid', 'redacted', 'invalid']);
    expect(readSummary(dir).column).toMatchObject({ name: 'requester', chosenBy: 'option', unusableRows: 2 });
    expect(run.stderr).toMatch(/column: requester \(named by --column "requester"\); 2 rows unusable/);
  });
});

describe("an export's footer lines", () => {
  it('read skipped in a OneTrust-style Windows-1252 export; show tells the story of the rows reported invalid', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    const state = join(dir, 'state.db');
    const run = await runCli(['run', ONETRUST, ...emulator.runArgs(out, state), '--encoding', 'windows-1252'], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(3);
    const { rows } = readResults(out);
    expect(rows.map((r) => [r.row, r['Request ID'], r.status])).toEqual([
      // Neutralised as a cell a spreadsheet would read as a formula.
      ['1', "'--------", 'skipped'],
      ['2', 'DSR-1001', 'redacted'],
      ['3', 'DSR-1002', 'redacted'],
      ['4', 'DSR-1003', 'invalid'],
      ['5', 'DSR-1004', 'invalid'],
      ['6', 'DSR-1005', 'redacted'],
      ['7', 'DSR-1006', 'redacted'],
      ['8', '', 'skipped'],
      ['9', 'Total records: 6', 'skipped'],
      ['10', 'Exported by OneTrust on 30.11.2026 18:02 (Europe/Berlin)', 'skipped'],
    ]);
    expect(rows[0]?.messages).toBe("not a request: an export's separator line");
    expect(rows[9]?.messages).toBe("not a request: an export's footer");
    expect(rows[3]?.messages).toMatch(/^a 'Name <address>' cell whose address is not usable: email has no valid domain/);
    expect(rows[4]?.messages).toMatch(/a name beside the address\? write the address alone, or as 'Name <address>'/);
    expect(rows[6]?.messages).toBe('duplicate of row 2: the same request, reported as that row is');
    expect(rows[1]?.due_by).toBe('2026-12-03');
    const summary = readSummary(out);
    expect(summary.statuses).toMatchObject({ skipped: 4, invalid: 2, redacted: 4 });
    expect(summary.column).toMatchObject({ name: 'Email Address', unusableRows: 2, skippedRows: 4 });

    // The cell as written, though no identifier can be read from it.
    const cell = await runCli(['show', 'Jane Doe <jane.doe@example>', '--state', state]);
    expect(cell.code, describeRun(cell)).toBe(0);
    expect(cell.stdout).toMatch(/runs read it, but never as a usable request/);
    expect(cell.stdout).toMatch(/input .*onetrust-requests\.csv, row 4: the cell as written/);
    expect(cell.stdout).toMatch(/unusable: a 'Name <address>' cell whose address is not usable/);
    // The address inside an unusable cell.
    const json = await runCli(['show', 'max.mustermann@example.com', '--state', state, '--json']);
    expect(json.code, describeRun(json)).toBe(0);
    const story = JSON.parse(json.stdout) as { known: boolean; invalidReads: { firstRow: number; via: string; reason: string; runId: string }[] };
    expect(story.known).toBe(true);
    expect(story.invalidReads).toEqual([expect.objectContaining({ firstRow: 5, via: 'address_in_cell', runId: summary.runId })]);
    // A cell no run read is still refused.
    const unknown = await runCli(['show', 'Someone Else <someone@example>', '--state', state]);
    expect(unknown.code, describeRun(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/no run of the state .* read such a cell/);
  });

  it('no longer make exit 3: footers are settled, and not counted invalid', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'request;email\nR1;mo@example.com\n;\nExported by HelpDesk on 2026-11-30;\n');
    const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    expect(readResults(dir).rows.map((r) => r.status)).toEqual(['redacted', 'skipped', 'skipped']);
    expect(readSummary(dir).statuses).toMatchObject({ invalid: 0, skipped: 2 });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<tr data-status="skipped"><td>not a request <span class="code">skipped</span></td><td class="n">2</td></tr>');
    expect(run.stderr).toMatch(/skipped 2/);
  });
});

describe('received dates and --fail-on conditions', () => {
  it('warns once that deadlines are off when no received-date column is found but one holds dates', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email,opened\nsam@example.com,2026-11-03\n');
    const run = await runCli(['run', input, ...emulator.runArgs(dir)], { env: TEST_KEY_ENV });
    expect(run.code, describeRun(run)).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('deadlines are off'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/column \\"opened\\" looks like dates: name it with --received-column \\"opened\\"/);
    expect(readResults(dir).rows[0]?.due_by).toBe('');
  });

  it('--fail-on overdue exits 3 when an unsettled row is past its due_by; statuses alone leave it 0', async () => {
    const dir = await tempDir();
    const input = await writeInput(dir, 'email,received_at\nnot an email,2020-01-01\npat@example.com,2020-01-01\n');
    const overdue = await runCli(['run', input, ...emulator.runArgs(join(dir, 'a')), '--fail-on', 'failed,overdue'], { env: TEST_KEY_ENV });
    expect(overdue.code, describeRun(overdue)).toBe(3);
    const statusesOnly = await runCli(['run', input, ...emulator.runArgs(join(dir, 'b')), '--fail-on', 'failed'], { env: TEST_KEY_ENV });
    expect(statusesOnly.code, describeRun(statusesOnly)).toBe(0);
  });
});
