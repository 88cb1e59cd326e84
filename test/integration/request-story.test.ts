/**
 * `show`'s story (cli/request-story.ts) read from a real SQLite state: the validation behaviour a
 * job validated with (not the one it holds now), runs without an end that a later run continued,
 * and rows reported invalid, found by the cell as written or by an address inside it.
 */
import { describe, expect, it } from 'vitest';
import { classifyIdentifier, type Classified } from '../../src/domain/identifier.js';
import { formatRequestStory, readInvalidCellStory, readRequestStory } from '../../src/cli/request-story.js';
import { openStateStore } from '../../src/state/sqlite-state-store.js';

function storeWithClock() {
  let ms = Date.parse('2026-11-03T10:00:00Z');
  return openStateStore({ path: ':memory:', clock: () => new Date((ms += 1000)) });
}
const valid = (raw: string) => classifyIdentifier(raw) as Exclude<Classified, { kind: 'invalid' }>;

describe("show's story", () => {
  it('prints the behaviour a job validated with, and each one it had', () => {
    const store = storeWithClock();
    const email = valid('jane@example.com');
    const key = store.keyOf(email);
    const run = store.startRun('validate', 'in.csv');
    store.noteIdentifier(key, 'email', run);
    store.recordResolution(key, [{ id: 'cus_jane', type: 'customer' }]);
    const job = store.insertJob(['cus_jane'], 'fix', run);
    store.recordJobCreated(job, 'prj_1', 'validating');
    store.recordJobStatus(job, 'ready');
    // A later run switched it back to error without validating again: it validated with fix.
    store.recordJobBehavior(job, 'error');
    const story = readRequestStory(store, ':memory:', 'jane@example.com', email);
    expect(story.jobs[0]).toMatchObject({ validationBehavior: 'fix', behaviors: [{ behavior: 'fix' }, { behavior: 'error' }] });
    expect(formatRequestStory(story)).toMatch(/prj_1 {2}validated with validation_behavior=fix \(fix, then error from 2026-/);
    store.close();
  });

  it('says a run without an end was continued by the later run, and only the latest "did not end"', () => {
    const store = storeWithClock();
    const email = valid('ken@example.com');
    const key = store.keyOf(email);
    const killed = store.startRun('redact', 'in.csv');
    store.noteIdentifier(key, 'email', killed);
    const next = store.startRun('redact', 'in.csv');
    store.noteIdentifier(key, 'email', next);
    const text = formatRequestStory(readRequestStory(store, ':memory:', 'ken@example.com', email));
    expect(text).toContain(`was stopped before its end (killed or interrupted); the later run ${next} continued its work`);
    expect(text).toContain('did not end (still running, or killed: the next run continues it)');
    store.close();
  });

  it('finds rows reported invalid by the cell as written and by an address inside a cell', () => {
    const store = storeWithClock();
    const run = store.startRun('redact', 'export.csv');
    const cell = 'Jane Doe <jane.doe@example>';
    store.noteInvalidCell([{ key: store.cellKey(cell), via: 'cell' }], run, 4, "a 'Name <address>' cell whose address is not usable");
    store.noteInvalidCell([{ key: store.cellKey(cell), via: 'cell' }], run, 9, "a 'Name <address>' cell whose address is not usable");
    store.noteInvalidCell([{ key: store.emailKey('max@example.com'), via: 'address_in_cell' }], run, 5, 'email contains whitespace');

    const byCell = readInvalidCellStory(store, ':memory:', '  jane doe <JANE.DOE@example> ', classifyIdentifier(cell) as Extract<Classified, { kind: 'invalid' }>);
    expect(byCell).toMatchObject({ known: true, invalidReads: [{ runId: run, input: 'export.csv', firstRow: 4, rows: 2, via: 'cell' }] });
    expect(formatRequestStory(byCell)).toMatch(/input export\.csv, row 4 \(and 1 more row alike\): the cell as written\n {4}unusable: a 'Name <address>' cell/);

    const byAddress = readRequestStory(store, ':memory:', 'max@example.com', valid('max@example.com'));
    expect(byAddress).toMatchObject({ known: true, invalidReads: [{ firstRow: 5, via: 'address_in_cell' }] });
    expect(formatRequestStory(byAddress)).toMatch(/runs read it, but never as a usable request/);

    const none = readInvalidCellStory(store, ':memory:', 'other <x@y>', classifyIdentifier('other <x@y>') as Extract<Classified, { kind: 'invalid' }>);
    expect(none.known).toBe(false);
    store.close();
  });
});
