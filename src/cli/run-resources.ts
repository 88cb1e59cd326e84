/**
 * The composition root of a run or a selftest: every resource it holds — logger, spooled stdin,
 * built-in emulator, rate budget, state and its lock, signal handlers — is opened through a
 * {@link ResourceStack}, which closes them in the reverse order of opening, each exactly once,
 * whatever fails. run-command, run-accounts (per account), selftest-command, watch-command and the
 * test helper build their resources here, so none of them keeps its own list of what to close.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../io/logger.js';
import { createNoticeLog } from '../io/notice-log.js';
import { budgetedSend } from '../pipeline/budgeted-send.js';
import { RateBudget, type RateBudgetOptions } from '../pipeline/rate-budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../pipeline/retry.js';
import type { StripeGateway } from '../stripe/gateway.js';
import { createStripeGateway } from '../stripe/stripe-gateway.js';
import { exitCodeOf, type InterruptSignal } from './exit-codes.js';
import { openStateForAccount, type OpenedState } from './open-state.js';

/** Resources closed last-opened first; a closer that throws does not keep the others open. */
export class ResourceStack {
  readonly #closers: Array<() => void | Promise<void>> = [];

  /** Registers `closer` to run at {@link close}; returns `value` for chaining. */
  use<T>(value: T, closer: (value: T) => void | Promise<void>): T {
    this.#closers.push(() => closer(value));
    return value;
  }

  /** Closes every resource, last opened first. */
  async close(): Promise<void> {
    while (this.#closers.length > 0) {
      const closer = this.#closers.pop()!;
      try {
        await closer();
      } catch {
        // Closing is best effort: what matters (the state, the report) is already durable.
      }
    }
  }
}

/** A rate budget, closed with the stack. */
export function openBudget(stack: ResourceStack, options: RateBudgetOptions): RateBudget {
  return stack.use(new RateBudget(options), (budget) => budget.close());
}

/** The Stripe gateway of a run or an account of it: paced by `budget`, its answers and notices logged. */
export function openGateway(options: {
  apiKey: string;
  apiBase?: string;
  budget: RateBudget;
  logger?: Logger;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  stripeVersion?: string;
  stripeAccount?: string;
}): StripeGateway {
  const { logger } = options;
  const notices = logger ? createNoticeLog(logger) : undefined;
  return createStripeGateway({
    apiKey: options.apiKey,
    ...(options.apiBase ? { apiBase: options.apiBase } : {}),
    send: budgetedSend(options.budget, options.retry ?? DEFAULT_RETRY_POLICY, logger, options.signal),
    ...(logger ? { onResponse: (event) => logger.debug('stripe response', event) } : {}),
    ...(notices ? { onNotice: (notice) => notices.note(notice) } : {}),
    ...(options.stripeVersion !== undefined ? { stripeVersion: options.stripeVersion } : {}),
    ...(options.stripeAccount !== undefined ? { stripeAccount: options.stripeAccount } : {}),
  });
}

/** The state of an account and its lock, both released with the stack. */
export async function openState(stack: ResourceStack, options: Parameters<typeof openStateForAccount>[0]): Promise<OpenedState> {
  return stack.use(await openStateForAccount(options), (state) => {
    state.store.close();
    state.release();
  });
}

/** The sample data `--emulator` seeds from, shipped with the package. */
const SAMPLES_DIR = fileURLToPath(new URL('../../samples/', import.meta.url));

/** The built-in emulator of `--emulator`, stopped with the stack; returns its URL. */
export async function startBuiltInEmulator(stack: ResourceStack, logger: Logger): Promise<string> {
  const { startEmulator } = await import('../emulator/index.js');
  // Objects settle at once so a run is deterministic; young charges stay held (`validated`, the
  // default), so the sample's young charge shows what a hold looks like.
  const emulator = await startEmulator({ port: 0, seed: join(SAMPLES_DIR, 'emulator-seed.json'), validationMs: 150, redactionMs: 200, settleMs: 0 });
  stack.use(emulator, (e) => e.close());
  logger.info('built-in emulator started', { url: emulator.url });
  return emulator.url;
}

/** SIGINT/SIGTERM while a run or a selftest works: the first aborts `signal`; a second exits at once. */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** The signal that aborted, if one did. */
  readonly by: InterruptSignal | undefined;
  /** Starts listening: from here a signal ends the work gracefully instead of the process. */
  listen(): void;
  /** Stops listening (also done by the stack). */
  stop(): void;
}

/** The interrupt of a run or a selftest, not listening yet; it stops listening when the stack closes. */
export function openInterrupt(stack: ResourceStack, onFirst?: (signal: InterruptSignal) => void): Interrupt {
  const controller = new AbortController();
  let by: InterruptSignal | undefined;
  const onSignal = (received: NodeJS.Signals) => {
    const name: InterruptSignal = received === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    // A second one: stop now — the state is durable, so even that loses nothing.
    if (controller.signal.aborted) process.exit(exitCodeOf({ kind: 'interrupted', signal: name }));
    by = name;
    onFirst?.(name);
    controller.abort();
  };
  const interrupt: Interrupt = {
    signal: controller.signal,
    get by() {
      return by;
    },
    listen() {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    },
    stop() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  return stack.use(interrupt, (i) => i.stop());
}
