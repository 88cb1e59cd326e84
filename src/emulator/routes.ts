import { graphRoutes } from './graph-routes.js';
import type { Route } from './route.js';
import { customerRoutes } from './resources/customers.js';

/** Every route the emulator serves: customers (platform) and the object graph with redaction jobs. */
export function emulatorRoutes(): Route[] {
  return [...customerRoutes, ...graphRoutes];
}
