import type { Route } from './route.js';

/** Routes for the objects of a customer's graph and for redaction jobs. */
export const graphRoutes: Route[] = [];
