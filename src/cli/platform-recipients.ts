/**
 * The platform's own webhook endpoints, for a run whose input had no row for the key's own account:
 * its Connect endpoints receive every connected account's events, so they are named once, from the
 * platform (docs/platforms.md#webhook-endpoints-and-connect).
 */
import type { Recipient } from '../domain/recipients.js';
import type { Logger } from '../io/logger.js';
import { readRecipients } from '../pipeline/after-erasure.js';
import type { RunConfig } from './run-config.js';
import { openBudget, openGateway, ResourceStack } from './run-resources.js';

/** The key's own account's endpoints that receive personal data; null when they could not be read (one warning). */
export async function platformRecipients(
  config: Pick<RunConfig, 'apiKey' | 'maxRps' | 'maxSearchRps' | 'maxEndpointRps' | 'stripeVersion'>,
  context: { apiBase?: string; logger: Logger; signal: AbortSignal },
): Promise<Recipient[] | null> {
  const { logger, signal } = context;
  if (signal.aborted) return null;
  const resources = new ResourceStack();
  try {
    const budget = openBudget(resources, { maxRps: config.maxRps, maxSearchRps: config.maxSearchRps, maxEndpointRps: config.maxEndpointRps });
    const gateway = openGateway({
      apiKey: config.apiKey,
      ...(context.apiBase ? { apiBase: context.apiBase } : {}),
      budget,
      logger,
      signal,
      ...(config.stripeVersion !== undefined ? { stripeVersion: config.stripeVersion } : {}),
    });
    return await readRecipients(gateway, logger);
  } catch (error) {
    // The accounts' runs are done and their reports merged: a failed read costs a warning, never the run.
    logger.warn(`the platform's webhook endpoints could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  } finally {
    await resources.close();
  }
}
