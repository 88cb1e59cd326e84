import type { RedactionMarker } from './customer-object.js';
import type { StoredObject } from '../store.js';

/**
 * The objects of a customer's graph as the emulator stores them, with Stripe's field names and
 * statuses. Keys starting with `_` are internal; the server strips them from responses.
 */

/** Collection names in the `EmulatorStore`. */
export const PAYMENT_METHODS = 'payment_methods';
export const PAYMENT_INTENTS = 'payment_intents';
export const CHARGES = 'charges';
export const DISPUTES = 'disputes';
export const SETUP_INTENTS = 'setup_intents';
export const PRODUCTS = 'products';
export const PRICES = 'prices';
export const SUBSCRIPTIONS = 'subscriptions';
export const INVOICES = 'invoices';
export const CHECKOUT_SESSIONS = 'checkout_sessions';

/** Fields every redactable object carries. */
export interface Redactable extends StoredObject {
  metadata: Record<string, string>;
  /** When (ms, emulator clock) the job that redacts this object succeeded; absent before. */
  _redactionSucceededAtMs?: number;
}

/** A redactable object with Stripe's `redaction` field (Invoices and Subscriptions have none). */
export interface RedactionTracked extends Redactable {
  /** `null` outside any job; then `processing`, `validated` or `redacted` (redaction-status.ts). Redacted objects keep ids and amounts but no personal data. */
  redaction: RedactionMarker | null;
}

export type Address = Record<string, unknown>;

/** Stripe's `billing_details`: personal data on payment methods and charges. */
export interface BillingDetails {
  address: Address | string | null;
  email: string | null;
  name: string | null;
  phone: string | null;
}

/** What a test card does when charged: `pm_card_createDispute` yields a disputed charge. */
export type TestCardBehavior = 'succeed' | 'dispute';

export interface PaymentMethod extends RedactionTracked {
  object: 'payment_method';
  type: 'card';
  customer: string | null;
  billing_details: BillingDetails;
  card: { brand: string; last4: string; exp_month: number; exp_year: number };
  _behavior: TestCardBehavior;
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface PaymentIntent extends RedactionTracked {
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  description: string | null;
  receipt_email: string | null;
  shipping: Record<string, unknown> | string | null;
  status: PaymentIntentStatus;
  capture_method: 'automatic' | 'manual';
  latest_charge: string | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  invoice: string | null;
}

export interface Charge extends RedactionTracked {
  object: 'charge';
  amount: number;
  amount_captured: number;
  currency: string;
  customer: string | null;
  payment_intent: string | null;
  payment_method: string | null;
  billing_details: BillingDetails;
  description: string | null;
  receipt_email: string | null;
  shipping: Record<string, unknown> | string | null;
  status: 'succeeded';
  paid: boolean;
  captured: boolean;
  disputed: boolean;
  refunded: boolean;
}

export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost';

export interface Dispute extends StoredObject {
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string | null;
  reason: string;
  status: DisputeStatus;
  metadata: Record<string, string>;
}

export type SetupIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'canceled'
  | 'succeeded';

export interface SetupIntent extends RedactionTracked {
  object: 'setup_intent';
  customer: string | null;
  payment_method: string | null;
  description: string | null;
  status: SetupIntentStatus;
  usage: 'off_session' | 'on_session';
  cancellation_reason: string | null;
}

export interface Product extends StoredObject {
  object: 'product';
  name: string;
  active: boolean;
  description: string | null;
  metadata: Record<string, string>;
}

export interface Price extends StoredObject {
  object: 'price';
  product: string;
  currency: string;
  unit_amount: number;
  type: 'one_time' | 'recurring';
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number } | null;
  active: boolean;
  metadata: Record<string, string>;
}

export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'canceled'
  | 'unpaid'
  | 'paused';

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  price: Price;
  quantity: number;
  subscription: string;
}

export interface Subscription extends Redactable {
  object: 'subscription';
  customer: string;
  status: SubscriptionStatus;
  description: string | null;
  items: { object: 'list'; data: SubscriptionItem[]; has_more: false; url: string };
  trial_start: number | null;
  trial_end: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  cancel_at_period_end: boolean;
  default_payment_method: string | null;
  latest_invoice: string | null;
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface Invoice extends Redactable {
  object: 'invoice';
  customer: string;
  subscription: string | null;
  status: InvoiceStatus;
  number: string | null;
  currency: string;
  amount_due: number;
  amount_paid: number;
  description: string | null;
  collection_method: 'charge_automatically' | 'send_invoice';
  customer_email: string | null;
  customer_name: string | null;
  customer_phone: string | null;
  customer_address: Address | string | null;
  customer_shipping: Record<string, unknown> | string | null;
  payment_intent: string | null;
  auto_advance: boolean;
}

export interface CheckoutSession extends RedactionTracked {
  object: 'checkout.session';
  mode: 'payment' | 'setup' | 'subscription';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  customer: string | null;
  customer_email: string | null;
  customer_details: { email: string | null; name: string | null; phone: string | null; address: Address | string | null } | null;
  amount_total: number | null;
  currency: string | null;
  success_url: string | null;
  url: string | null;
  expires_at: number;
  payment_intent: string | null;
  setup_intent: string | null;
}
