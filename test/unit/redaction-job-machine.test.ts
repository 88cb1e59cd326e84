/**
 * The job machine driven through its route handlers with a hand-built context and a clock the test
 * moves: timers are set an hour out, so only settle-on-read can advance the jobs here.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/emulator/api-error.js';
import { redactionJobRoutes } from '../../src/emulator/redaction/jobs.js';
import { CUSTOMERS, type Customer } from '../../src/emulator/resources/customer-object.js';
import type { EmulatorSettings, FormObject, RequestContext } from '../../src/emulator/route.js';
import { EmulatorStore } from '../../src/emulator/store.js';
import { DEFAULT_EMULATOR_OPTIONS, type EmulatorVariants } from '../../src/emulator/options.js';

const HOUR_MS = 3_600_000;

function setup(variants: Partial<EmulatorVariants> = {}) {
  let nowMs = 1_700_000_000_000;
  const store = new EmulatorStore(() => nowMs);
  const { unknownIds, transitionErrors, lockErrors, fixListing, expandValidationErrors, youngCharges, deletedCustomers, lockRefusal, refusalStatus } = DEFAULT_EMULATOR_OPTIONS;
  const settings: EmulatorSettings = {
    validationMs: HOUR_MS,
    redactionMs: HOUR_MS,
    searchLagMs: 0,
    maxJobObjects: 1000,
    variants: { unknownIds, transitionErrors, lockErrors, fixListing, expandValidationErrors, youngCharges, deletedCustomers, lockRefusal, refusalStatus, ...variants },
    settleMs: 0,
    youngDays: 0,
  };
  const call = (method: 'GET' | 'POST', pattern: string, params: Record<string, string> = {}, form: FormObject = {}): Record<string, unknown> => {
    const route = redactionJobRoutes.find((r) => r.method === method && r.path === pattern);
    if (!route) throw new Error(`no route ${method} ${pattern}`);
    const ctx: RequestContext = {
      method,
      path: pattern,
      params,
      query: method === 'GET' ? form : {},
      body: method === 'POST' ? form : {},
      livemode: false,
      internal: false,
      store,
      settings,
    };
    return route.handler(ctx) as Record<string, unknown>;
  };
  const customer = (id: string): void => {
    store.collection<Customer>(CUSTOMERS).insert({
      id,
      object: 'customer',
      created: 0,
      livemode: false,
      email: 'a@example.com',
      name: 'A',
      phone: null,
      description: null,
      address: null,
      shipping: null,
      metadata: {},
      invoice_settings: { default_payment_method: null },
      redaction: null,
      _searchableAtMs: 0,
    });
  };
  return { store, call, customer, advance: (ms: number) => (nowMs += ms) };
}

const JOB = '/v1/privacy/redaction_jobs/:id';

describe('redaction job machine', () => {
  it('settles a due job on read even when no timer has fired', () => {
    const { call, customer, advance, store } = setup();
    customer('cus_1');
    const job = call('POST', '/v1/privacy/redaction_jobs', {}, { objects: { customers: ['cus_1'] } });
    expect(job.status).toBe('validating');
    advance(HOUR_MS - 1);
    expect(call('GET', JOB, { id: job.id as string }).status).toBe('validating');
    advance(1);
    expect(call('GET', JOB, { id: job.id as string }).status).toBe('ready');

    call('POST', `${JOB}/run`, { id: job.id as string });
    advance(HOUR_MS);
    expect(call('GET', '/v1/privacy/redaction_jobs').data).toEqual([expect.objectContaining({ id: job.id, status: 'succeeded' })]);
    expect(store.collection<Customer>(CUSTOMERS).get('cus_1')).toMatchObject({ deleted: true, email: '[redacted]', redaction: { status: 'redacted' } });
  });

  it.each([
    ['coded', 'status_transition_invalid', '409'],
    ['plain', undefined, '409'],
    ['plain', undefined, '400'],
  ] as const)('refuses every transition its status does not allow, naming the status (%s: code %s, HTTP %s)', (transitionErrors, code, refusalStatus) => {
    const { call, customer } = setup({ transitionErrors, refusalStatus });
    customer('cus_1');
    const job = call('POST', '/v1/privacy/redaction_jobs', {}, { objects: { customers: ['cus_1'] } });
    for (const action of ['validate', 'run', 'cancel']) {
      let error: unknown;
      try {
        call('POST', `${JOB}/${action}`, { id: job.id as string });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: Number(refusalStatus), type: 'invalid_request_error', code });
      expect((error as ApiError).message).toContain('validating');
    }
  });

  it('records a created event whose snapshot has status created', () => {
    const { call, customer, store } = setup();
    customer('cus_1');
    call('POST', '/v1/privacy/redaction_jobs', {}, { objects: { customers: ['cus_1'] } });
    const events = store.collection<{ id: string; type: string; data: { object: { status: string } } } & { created: number; livemode: boolean; object: string }>('events').all();
    expect(events.map((e) => [e.type, e.data.object.status])).toEqual([['privacy.redaction_job.created', 'created']]);
  });
});
