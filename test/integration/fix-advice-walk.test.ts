/**
 * Advice checked against what Stripe's fix does (issue 15, "false advice"): every blocker kind the
 * emulator can make, under both `--fix-listing` variants, through the runs an operator makes —
 * `error`, the validate run with fix the advice asks for, `error` again, then `fix` — with the real
 * pipeline against the emulator. What the fix does is read from the emulator after the fix run
 * (the blocking object canceled, voided, deleted or expired, and the customer redacted), and every
 * piece of advice of every run must agree with it: fix is offered only where it was not tried or was
 * seen to clear the blocker, a blocker the fix clears is never called beyond the fix, and one it
 * does not clear is never offered the fix once a validation with fix has seen it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedDocument } from '../../src/emulator/index.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace, type PipelineResult } from '../helpers/pipeline.js';

let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const paid = (id: string) => ({ id, amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' });

/** One customer per blocker kind; `blocking`: the object whose state blocks it. */
const KINDS = {
  payment_intent: { blocking: 'pi_walk_open', customer: { payment_intents: [{ id: 'pi_walk_open', amount: 700, currency: 'usd' }] } },
  setup_intent: { blocking: 'seti_walk', customer: { setup_intents: [{ id: 'seti_walk', usage: 'off_session' }] } },
  subscription: {
    blocking: 'sub_walk',
    customer: { subscriptions: [{ id: 'sub_walk', items: [{ price_data: { currency: 'usd', unit_amount: '900', recurring: { interval: 'month' }, product_data: { name: 'Plan' } } }] }] },
  },
  open_invoice: { blocking: 'in_walk_open', customer: { invoices: [{ id: 'in_walk_open', description: 'Open', _then: ['finalize'] }] } },
  draft_invoice: { blocking: 'in_walk_draft', customer: { invoices: [{ id: 'in_walk_draft', description: 'Draft' }] } },
  checkout_session: { blocking: 'cs_test_walk', customer: { checkout_sessions: [{ id: 'cs_test_walk', mode: 'payment', success_url: 'https://example.com/ok' }] } },
  dispute: {
    blocking: 'pi_walk_disputed',
    customer: { payment_intents: [{ id: 'pi_walk_disputed', amount: 900, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: 'true' }] },
  },
  too_many_objects: { blocking: null, customer: { payment_intents: Array.from({ length: 8 }, (_, i) => paid(`pi_walk_many_${i}`)) } },
  locked_by_other_job: { blocking: null, customer: {} },
  // Two blockers on one customer: one the fix clears, one it does not. Under `keep` a validation
  // with fix lists both; under `drop`, only the dispute.
  dispute_and_open_payment: {
    blocking: 'pi_walk_combo_open',
    customer: {
      payment_intents: [
        { id: 'pi_walk_combo_open', amount: 300, currency: 'usd' },
        { id: 'pi_walk_combo_disputed', amount: 400, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: 'true' },
      ],
    },
  },
} as const;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];

const email = (kind: Kind) => `${kind}@walk.example.com`;
const customerId = (kind: Kind) => `cus_walk_${kind}`;

const SEED: SeedDocument = {
  customers: KIND_NAMES.map((kind) => ({ id: customerId(kind), email: email(kind), ...KINDS[kind].customer })),
} as SeedDocument;

const INPUT = ['email', ...KIND_NAMES.map(email)].join('\n');

/** One blocker line of a row's messages: Stripe's message, then ` — ` and the advice. */
interface AdviceLine {
  kind: Kind;
  run: string;
  line: string;
  /** The advice offers fix: it says fix may clear it or did clear it. */
  offersFix: boolean;
  /** The advice calls it beyond the fix. */
  beyondFix: boolean;
}

function adviceLines(run: string, result: PipelineResult): AdviceLine[] {
  return result.rows.flatMap((row, index) => {
    const kind = KIND_NAMES[index] as Kind;
    if (row.status !== 'needs_action') return [];
    const lines = (row.messages ?? '').split('\n');
    const advice = lines.filter((line) => line.includes(' — '));
    const offers = (line: string) => /may clear it instead|cleared it, so a run with fix/.test(line);
    // The operator is told to run with fix only for a row whose advice offers it.
    const operator = lines.filter((line) => line.startsWith('operator: '));
    expect(operator.length, `${run}, ${kind}: ${row.messages}`).toBe(advice.some(offers) ? 1 : 0);
    return advice
      .map((line) => ({
        kind,
        run,
        line,
        offersFix: offers(line),
        beyondFix: /fix does not clear it|cannot clear what|fix cannot change|what Stripe's fix cannot clear/.test(line),
      }));
  });
}

/** What Stripe's fix did to each kind, read from the emulator after the fix run. */
async function whatFixDid(e: TestEmulator): Promise<Record<Kind, boolean>> {
  const redacted = async (kind: Kind) => {
    const customer = (await e.stripe.customers.retrieve(customerId(kind))) as { deleted?: boolean };
    return customer.deleted === true;
  };
  const state = async (id: string): Promise<string | undefined> => {
    if (id.startsWith('pi_')) return (await e.stripe.paymentIntents.retrieve(id)).status;
    if (id.startsWith('seti_')) return (await e.stripe.setupIntents.retrieve(id)).status;
    if (id.startsWith('sub_')) return (await e.stripe.subscriptions.retrieve(id)).status;
    if (id.startsWith('cs_')) return (await e.stripe.checkout.sessions.retrieve(id)).status ?? undefined;
    if (id.startsWith('in_')) {
      try {
        return (await e.stripe.invoices.retrieve(id)).status ?? undefined;
      } catch {
        return 'deleted';
      }
    }
    return undefined;
  };
  const cleared: Partial<Record<Kind, boolean>> = {};
  for (const kind of KIND_NAMES) {
    const blocking = KINDS[kind].blocking;
    const changed = blocking === null ? false : ['canceled', 'void', 'deleted', 'expired'].includes((await state(blocking)) ?? '');
    cleared[kind] = changed && (kind === 'dispute_and_open_payment' ? true : await redacted(kind));
  }
  return cleared as Record<Kind, boolean>;
}


/** What the fix does to a blocker is what it does to its kind: every piece of advice must agree with it. */
function expectAdviceTrue(all: AdviceLine[], cleared: Record<Kind, boolean>, fixListing: 'keep' | 'drop', fix: PipelineResult): void {
  const byKind = (result: PipelineResult, kind: Kind) => result.rows[KIND_NAMES.indexOf(kind)];
  // The combined customer's open PaymentIntent is one the fix cancels (it did, alone), its dispute one it does not.
  const fixClears = (a: AdviceLine) => (a.kind === 'dispute_and_open_payment' ? a.line.includes('pi_walk_combo_open') && !a.line.includes('disput') : cleared[a.kind]);
  for (const a of all) {
    const where = `${a.run}, ${a.kind}: ${a.line}`;
    if (fixClears(a)) expect(a.beyondFix, where).toBe(false);
    if (a.run !== 'error' && !fixClears(a)) expect(a.offersFix, where).toBe(false);
    if (a.kind === 'too_many_objects' || a.kind === 'locked_by_other_job') expect(a.offersFix, where).toBe(false);
  }

  // The combined customer, after a validation with fix: its PaymentIntent is never called beyond
  // the fix. Under drop the fix's listing shows which blocker survived; under keep it cannot tell.
  const combo = adviceLines('fix', fix).filter((a) => a.kind === 'dispute_and_open_payment');
  if (fixListing === 'drop') {
    expect(combo.map((a) => a.beyondFix)).toEqual([true]);
    expect(byKind(fix, 'dispute_and_open_payment')?.fixes).toBe('would cancel PaymentIntent pi_walk_combo_open');
  } else {
    expect(combo).toHaveLength(2);
    for (const a of combo) expect(a.line).toMatch(/still listed it with other blockers of this row; at least one of these is beyond the fix and Stripe did not say which/);
  }
}

/** What the fix did to each kind, as the emulator shows it after a fix run over the whole input. */
const FIX_CLEARS: Record<Kind, boolean> = {
  payment_intent: true,
  setup_intent: true,
  subscription: true,
  open_invoice: true,
  draft_invoice: true,
  checkout_session: true,
  dispute: false,
  too_many_objects: false,
  locked_by_other_job: false,
  // Held back by its dispute, the job never ran: the fix changed nothing.
  dispute_and_open_payment: false,
};

describe.each(['keep', 'drop'] as const)('advice against what the fix does, --fix-listing %s', (fixListing) => {
  it('offers fix only where it was not tried or was seen to clear, and never calls what the fix clears beyond it', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, maxJobObjects: 12, fixListing, seed: SEED });
    // Another tool's job holds this customer: a lock no fix clears.
    await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: [customerId('locked_by_other_job')] } });
    const workspace = pipelineWorkspace(emulator);
    const all: AdviceLine[] = [];

    // 1. error: no validation with fix has run, so the advice may only say fix *may* clear it.
    const error = await workspace.run(INPUT, { validationBehavior: 'error' });
    expect(error.rows.map((r) => r.status)).toEqual(KIND_NAMES.map(() => 'needs_action'));
    const first = adviceLines('error', error);
    all.push(...first);
    for (const a of first.filter((l) => l.kind !== 'too_many_objects' && l.kind !== 'locked_by_other_job')) {
      expect(a.line, `${a.kind}: ${a.line}`).toMatch(/Stripe's fix may clear it instead: a validate run with fix will tell, and erases nothing$/);
      expect(a.beyondFix, a.line).toBe(false);
    }
    expect(error.rows[KIND_NAMES.indexOf('payment_intent')]?.messages).toMatch(/\noperator: run again with --mode validate --validation-behavior fix$/);

    // 2. The validate run with fix the advice asks for: what the fix would do, nothing changed.
    const preview = await workspace.run(INPUT, { mode: 'validate', validationBehavior: 'fix' });
    all.push(...adviceLines('validate fix', preview));
    const byKind = (result: PipelineResult, kind: Kind) => result.rows[KIND_NAMES.indexOf(kind)];
    expect(byKind(preview, 'payment_intent')).toMatchObject({ status: 'ready', fixes: 'would cancel PaymentIntent pi_walk_open' });
    expect(byKind(preview, 'dispute')?.messages).toMatch(/Stripe's fix does not clear it \(a validation with fix still listed it\)/);
    expect((await emulator.stripe.paymentIntents.retrieve('pi_walk_open')).status).toBe('requires_payment_method');

    // 3. error again: what the validation with fix showed stays known.
    const again = await workspace.run(INPUT, { validationBehavior: 'error' });
    all.push(...adviceLines('error again', again));
    expect(byKind(again, 'dispute')?.messages).not.toMatch(/--validation-behavior fix|may clear/);
    expect(byKind(again, 'payment_intent')?.messages).toMatch(/a validation with fix cleared it, so a run with fix lets Stripe do it/);
    expect(byKind(again, 'payment_intent')?.messages).toMatch(/\noperator: run again with --validation-behavior fix$/);

    // 4. fix: what the fix clears is redacted, with what it changed; the rest needs a person.
    const fix = await workspace.run(INPUT, { validationBehavior: 'fix' });
    all.push(...adviceLines('fix', fix));
    const cleared = await whatFixDid(emulator);
    expect(cleared).toEqual(FIX_CLEARS);
    for (const kind of KIND_NAMES) expect(byKind(fix, kind)?.status, kind).toBe(cleared[kind] ? 'redacted' : 'needs_action');

    expectAdviceTrue(all, cleared, fixListing, fix);
  });

  it('run with fix at once, then with error: the advice of each agrees with what the fix did', async () => {
    emulator = await startTestEmulator({ validationMs: 5, redactionMs: 5, maxJobObjects: 12, fixListing, seed: SEED });
    await emulator.stripe.privacy.redactionJobs.create({ objects: { customers: [customerId('locked_by_other_job')] } });
    const workspace = pipelineWorkspace(emulator);
    const fix = await workspace.run(INPUT, { validationBehavior: 'fix' });
    const all = adviceLines('fix', fix);
    const cleared = await whatFixDid(emulator);
    expect(cleared).toEqual(FIX_CLEARS);
    for (const kind of KIND_NAMES) expect(fix.rows[KIND_NAMES.indexOf(kind)]?.status, kind).toBe(cleared[kind] ? 'redacted' : 'needs_action');
    const error = await workspace.run(INPUT, { validationBehavior: 'error' });
    all.push(...adviceLines('error after fix', error));
    // Once a validation under fix has listed the dispute, no run offers fix for it.
    expect(error.rows[KIND_NAMES.indexOf('dispute')]?.messages).toMatch(/Stripe's fix does not clear it/);
    expectAdviceTrue(all, cleared, fixListing, fix);
  });
});
