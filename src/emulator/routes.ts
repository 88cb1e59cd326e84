import { graphRoutes } from './graph-routes.js';
import type { Route } from './route.js';
import { accountRoutes } from './resources/account.js';
import { customerRoutes } from './resources/customers.js';
import { webhookEndpointRoutes } from './resources/webhook-endpoints.js';

/** Every route the emulator serves: the account, customers (platform), the object graph with redaction jobs, and webhook endpoints. */
export function emulatorRoutes(): Route[] {
  return [...accountRoutes, ...customerRoutes, ...graphRoutes, ...webhookEndpointRoutes];
}
