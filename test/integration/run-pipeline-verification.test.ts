/**
 * Proof from Stripe, not from our bookkeeping (issue 14), through the real pipeline, SDK and
 * emulator: a row is `redacted` only once Stripe shows every object of it redacted; a young charge
 * keeps it `redaction_pending` until the emulator's clock has passed `--young-days`, and a later run
 * reads only what is still pending; a customer deleted before is redacted through its objects.
 * Holds and settling pass on the emulator's clock, moved by the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { GatewayError } from '../../src/errors.js';
import type { StripeGateway } from '../../src/stripe/gateway.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pipelineWorkspace, type PipelineResult } from '../helpers/pipeline.js';

const DAY = 86_400;
let emulator: TestEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Partial<EmulatorOptions>): Promise<TestEmulator> {
  emulator = await startTestEmulator(options);
  return emulator;
}

/** What Stripe states of an object now, read with the SDK as any client would. */
async function stated(stripe: TestEmulator['stripe'], id: string): Promise<string> {
  const read = async (): Promise<Record<string, unknown>> => {
    if (id.startsWith('cus_')) return (await stripe.customers.retrieve(id)) as unknown as Record<string, unknown>;
    if (id.startsWith('pi_')) return (await stripe.paymentIntents.retrieve(id)) as unknown as Record<string, unknown>;
    if (id.startsWith('ch_')) return (await stripe.charges.retrieve(id)) as unknown as Record<string, unknown>;
    if (id.startsWith('in_')) return (await stripe.invoices.retrieve(id)) as unknown as Record<string, unknown>;
    if (id.startsWith('seti_')) return (await stripe.setupIntents.retrieve(id)) as unknown as Record<string, unknown>;
    return (await stripe.checkout.sessions.retrieve(id)) as unknown as Record<string, unknown>;
  };
  const object = await read();
  if (object.deleted === true) return 'deleted';
  if (!('redaction' in object)) return 'no_field';
  return String((object.redaction as { status?: string } | null)?.status ?? 'none');
}

/** No row is `redacted` while any of its objects reads otherwise in the emulator. */
async function expectRedactedRowsProven(result: PipelineResult, stripe: TestEmulator['stripe']): Promise<void> {
  for (const row of result.rows.filter((r) => r.status === 'redacted')) {
    expect(row.verified_at, `row ${row.row}`).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (const id of (row.object_ids as string).split(' ')) {
      const now = await stated(stripe, id);
      expect(id.startsWith('cus_') ? ['deleted'] : ['redacted', 'no_field'], `row ${row.row}: ${id} reads ${now}`).toContain(now);
    }
  }
}

const youngSeed = {
  customers: [
    {
      id: 'cus_young',
      email: 'young@example.com',
      name: 'Young Payer',
      payment_intents: [{ id: 'pi_young', amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 5 }],
    },
    {
      id: 'cus_old',
      email: 'old@example.com',
      name: 'Old Payer',
      payment_intents: [{ id: 'pi_old', amount: 900, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', createdDaysAgo: 200 }],
    },
  ],
};

describe('verification from Stripe\'s own state', () => {
  it('keeps a young charge redaction_pending until it ages, then a later run reads only it, and a third reads nothing', async () => {
    const em = await start({ seed: youngSeed, youngCharges: 'validated', youngDays: 90, settleMs: 0 });
    const workspace = pipelineWorkspace(em);
    const csv = 'id\nyoung@example.com\npi_young\nold@example.com\n';

    const first = await workspace.run(csv);
    expect(first.rows.map((r) => r.status)).toEqual(['redaction_pending', 'redaction_pending', 'redacted']);
    const created = (await em.stripe.paymentIntents.retrieve('pi_young')).created;
    const eligible = new Date((created + 90 * DAY) * 1000).toISOString().slice(0, 10);
    expect(first.rows[1]?.messages).toMatch(new RegExp(`^pi_young: Stripe holds it until it is eligible for redaction \\(redaction\\.status validated.*eligible from ${eligible}`));
    expect(first.rows[0]?.messages).toMatch(/^cus_young: Stripe holds it until its related objects are eligible/);
    expect(first.rows[0]?.verified_at).toBe('');
    expect(first.summary.statuses.redaction_pending).toBe(2);
    expect(first.summary.apiCalls.byOperation).toMatchObject({ 'verify.customers.retrieve': 2, 'verify.payment_intents.retrieve': 1 });
    await expectRedactedRowsProven(first, em.stripe);

    em.clock.advance(91 * DAY);
    const second = await workspace.run(csv);
    expect(second.rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);
    expect((second.rows[0]?.verified_at ?? '') > (first.rows[2]?.verified_at ?? '')).toBe(true);
    expect(second.rows[2]?.verified_at).toBe(first.rows[2]?.verified_at);
    // Only the pending row's objects were read: one call each, nothing else.
    // (and the run's reads after the erasure: issue 18)
    expect(second.summary.apiCalls.byOperation).toEqual({ 'verify.customers.retrieve': 1, 'verify.payment_intents.retrieve': 1, 'webhook_endpoints.list': 1, 'events.list': 1 });
    await expectRedactedRowsProven(second, em.stripe);

    const third = await workspace.run(csv);
    expect(third.rows.map((r) => r.status)).toEqual(['redacted', 'redacted', 'redacted']);
    expect(third.summary.apiCalls.byOperation).toEqual({ 'webhook_endpoints.list': 1, 'events.list': 1 });
  });

  it('re-reads an object Stripe reports processing within the run, and settles it redacted once it is', async () => {
    const em = await start({ seed: youngSeed, settleMs: 3_600_000 });
    const workspace = pipelineWorkspace(em);
    let advanced = false;
    // The test moves the emulator's clock the moment the pipeline first sees `processing`.
    const advanceOnProcessing = (gateway: StripeGateway): StripeGateway => ({
      ...gateway,
      async readObject(id, type, purpose) {
        const reading = await gateway.readObject(id, type, purpose);
        if (reading.stated === 'processing' && !advanced) {
          advanced = true;
          em.clock.advance(3600);
        }
        return reading;
      },
    });
    const result = await workspace.run('id\nold@example.com\n', {}, advanceOnProcessing);
    expect(advanced).toBe(true);
    expect(result.rows[0]).toMatchObject({ status: 'redacted', object_ids: 'cus_old' });
    expect(result.summary.apiCalls.byOperation['verify.customers.retrieve']).toBe(2);
    expect(result.summary.verification).toEqual({ objects: 1, reads: 2, verified: 1 });
    await expectRedactedRowsProven(result, em.stripe);
  });

  it('writes nothing for a verification read that failed: the row waits, and the next run reads it', async () => {
    const em = await start({ seed: youngSeed });
    const workspace = pipelineWorkspace(em);
    const failingVerification = (gateway: StripeGateway): StripeGateway => ({
      ...gateway,
      readObject: (id, type, purpose) =>
        purpose === 'verify' ? Promise.reject(new GatewayError('permission denied on customers', { kind: 'permission', retryable: false })) : gateway.readObject(id, type, purpose),
    });
    const first = await workspace.run('id\nold@example.com\n', {}, failingVerification);
    expect(first.rows[0]).toMatchObject({ status: 'redaction_pending', verified_at: '' });
    expect(first.rows[0]?.messages).toMatch(/^cus_old: its job succeeded; Stripe has not been read yet to show it redacted; the next run reads it again$/);
    expect(first.summary.verification).toEqual({ objects: 1, reads: 2, verified: 0 });

    const second = await workspace.run('id\nold@example.com\n');
    expect(second.rows[0]).toMatchObject({ status: 'redacted', job_id: first.rows[0]?.job_id });
    expect(second.summary.apiCalls.byOperation).toEqual({ 'verify.customers.retrieve': 1, 'webhook_endpoints.list': 1, 'events.list': 1 });
    await expectRedactedRowsProven(second, em.stripe);
  });

  it('leaves a row still processing at the end redaction_pending, saying Stripe is still redacting it', async () => {
    const em = await start({ seed: youngSeed, settleMs: 3_600_000 });
    const result = await pipelineWorkspace(em).run('id\nold@example.com\n');
    expect(result.rows[0]).toMatchObject({ status: 'redaction_pending', verified_at: '' });
    expect(result.rows[0]?.messages).toMatch(/^cus_old: Stripe is still redacting it \(redaction\.status processing/);
  });
});

const deletedSeed = {
  customers: [
    {
      id: 'cus_deleted',
      email: 'deleted@example.com',
      name: 'Deleted Payer',
      deleted: true,
      payment_intents: [{ id: 'pi_deleted_paid', amount: 3100, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', description: 'a book', createdDaysAgo: 200 }],
    },
    { id: 'cus_deleted_bare', email: 'bare@example.com', name: 'Bare', deleted: true },
  ],
};

describe('deleted customers are redacted, not skipped', () => {
  it('redacts the objects of a customer Stripe refuses to redact, and names them in the row', async () => {
    const em = await start({ seed: deletedSeed, deletedCustomers: 'refuse' });
    const result = await pipelineWorkspace(em).run('id\ncus_deleted\n');
    const row = result.rows[0] as Record<string, string>;
    const charge = (await em.stripe.paymentIntents.retrieve('pi_deleted_paid')).latest_charge as string;
    expect(row).toMatchObject({ status: 'redacted', blocking_codes: '' });
    expect((row.object_ids as string).split(' ').sort()).toEqual([charge, 'cus_deleted', 'pi_deleted_paid'].sort());
    // The refused job is an earlier one; the job that redacted the objects is the row's.
    expect(row.job_id).toMatch(/^prj_/);
    expect(row.earlier_job_ids).toMatch(/^prj_/);
    expect(row.earlier_job_ids).not.toContain(row.job_id);
    expect(row.messages).toBe(
      'cus_deleted: the customer was deleted before this tool acted, which is not redaction: its 1 PaymentIntent and 1 charge that still held data are redacted in jobs of their own',
    );
    expect(await stated(em.stripe, 'pi_deleted_paid')).toBe('redacted');
    await expectRedactedRowsProven(result, em.stripe);
  });

  it('redacts a deleted customer directly where Stripe accepts it', async () => {
    const em = await start({ seed: deletedSeed, deletedCustomers: 'redact' });
    const result = await pipelineWorkspace(em).run('id\ncus_deleted\n');
    expect(result.rows[0]).toMatchObject({ status: 'redacted', object_ids: 'cus_deleted', earlier_job_ids: '' });
    expect(await stated(em.stripe, 'pi_deleted_paid')).toBe('redacted');
    await expectRedactedRowsProven(result, em.stripe);
  });

  it('calls a deleted customer with nothing left holding data already_redacted, saying so', async () => {
    const em = await start({ seed: deletedSeed, deletedCustomers: 'refuse' });
    const result = await pipelineWorkspace(em).run('id\ncus_deleted_bare\n');
    expect(result.rows[0]).toMatchObject({ status: 'already_redacted', object_ids: 'cus_deleted_bare', verified_at: '' });
    expect(result.rows[0]?.messages).toBe(
      'the customer was deleted before this tool acted, and none of its PaymentIntents, charges, SetupIntents or Checkout Sessions still holds data',
    );
  });

  it('asks a person to find the objects when Stripe will not list a deleted customer\'s payments', async () => {
    const em = await start({ seed: deletedSeed, deletedCustomers: 'refuse' });
    em.faults.use({ method: 'GET', path: '/v1/payment_intents', status: 400 });
    const result = await pipelineWorkspace(em).run('id\ncus_deleted\n');
    expect(result.rows[0]).toMatchObject({ status: 'needs_action', object_ids: 'cus_deleted' });
    expect(result.rows[0]?.messages).toMatch(/deleted before this tool acted \(deleted is not redacted\) and Stripe would not list its payments .*find its PaymentIntents, charges, SetupIntents and Checkout Sessions/);
  });

  it('keeps an id that never existed not_found', async () => {
    const em = await start({ seed: deletedSeed });
    const result = await pipelineWorkspace(em).run('id\ncus_never_was\n');
    expect(result.rows[0]).toMatchObject({ status: 'not_found', messages: 'no such Stripe object' });
  });
});
