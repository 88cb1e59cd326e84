import { chargeRoutes } from './resources/charges.js';
import { checkoutSessionRoutes } from './resources/checkout-sessions.js';
import { invoiceRoutes } from './resources/invoices.js';
import { paymentIntentRoutes } from './resources/payment-intents.js';
import { paymentMethodRoutes } from './resources/payment-methods.js';
import { productPriceRoutes } from './resources/products-prices.js';
import { setupIntentRoutes } from './resources/setup-intents.js';
import { subscriptionRoutes } from './resources/subscriptions.js';
import { eventRoutes } from './redaction/events.js';
import { redactionJobRoutes } from './redaction/jobs.js';
import type { Route } from './route.js';

/** Routes for the objects of a customer's graph and for redaction jobs. */
export const graphRoutes: Route[] = [
  ...paymentMethodRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...setupIntentRoutes,
  ...productPriceRoutes,
  ...subscriptionRoutes,
  ...invoiceRoutes,
  ...checkoutSessionRoutes,
  ...redactionJobRoutes,
  ...eventRoutes,
];
