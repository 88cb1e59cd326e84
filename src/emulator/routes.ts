import { graphRoutes } from './graph-routes.js';
import type { Route } from './route.js';
import { accountRoutes } from './resources/account.js';
import { customerRoutes } from './resources/customers.js';

/** Every route the emulator serves: the account, customers (platform) and the object graph with redaction jobs. */
export function emulatorRoutes(): Route[] {
  return [...accountRoutes, ...customerRoutes, ...graphRoutes];
}
