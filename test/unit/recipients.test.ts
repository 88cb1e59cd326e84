import { describe, expect, it } from 'vitest';
import { carriesPersonalData, recipientsOf } from '../../src/domain/recipients.js';

describe('carriesPersonalData', () => {
  it.each([
    ['*', true],
    ['customer.created', true],
    ['customer.updated', true],
    ['customer.subscription.updated', true],
    ['charge.succeeded', true],
    ['payment_intent.succeeded', true],
    ['payment_method.attached', true],
    ['setup_intent.succeeded', true],
    ['checkout.session.completed', true],
    ['invoice.paid', true],
    ['identity.verification_session.verified', true],
    ['issuing_cardholder.created', true],
    ['issuing_card.updated', true],
    ['payout.paid', false],
    ['product.created', false],
    ['price.updated', false],
    ['balance.available', false],
    ['customers.created', false],
    ['invoiceitem.created', false],
  ])('%s → %s', (type, expected) => {
    expect(carriesPersonalData(type)).toBe(expected);
  });
});

describe('recipientsOf', () => {
  it('names endpoints with a personal-data event (host only, the event types concerned), not others', () => {
    expect(
      recipientsOf([
        { id: 'we_1', url: 'https://crm.example.com/hook?token=s3cret', status: 'enabled', enabledEvents: ['customer.updated', 'payout.paid'] },
        { id: 'we_2', url: 'https://books.example.net:8443/x', status: 'disabled', enabledEvents: ['invoice.paid'] },
        { id: 'we_3', url: 'https://treasury.example.org', status: 'enabled', enabledEvents: ['payout.paid'] },
        { id: 'we_4', url: 'https://all.example.org', status: 'enabled', enabledEvents: ['*'] },
      ]),
    ).toEqual([
      { id: 'we_1', host: 'crm.example.com', status: 'enabled', eventTypes: ['customer.updated'] },
      { id: 'we_2', host: 'books.example.net:8443', status: 'disabled', eventTypes: ['invoice.paid'] },
      { id: 'we_4', host: 'all.example.org', status: 'enabled', eventTypes: ['*'] },
    ]);
  });
});
