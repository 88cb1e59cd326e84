import type { FormObject, RequestContext, Route } from '../route.js';
import { PRICES, PRODUCTS, type Price, type Product } from './graph-objects.js';
import { paginate } from './list-helpers.js';
import { metadataParam, optionalEnum, optionalHash, optionalInteger, optionalString, requiredString } from './params.js';
import { findRecord, listRecords, newRecordId, referencedRecord } from './records.js';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

function insertProduct(ctx: RequestContext, id: string, name: string, description: string | null): Product {
  return ctx.store.collection<Product>(PRODUCTS).insert({
    id,
    object: 'product',
    created: ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    name,
    active: true,
    description,
    metadata: metadataParam(ctx.body),
  });
}

function createProduct(ctx: RequestContext): Product {
  return insertProduct(ctx, newRecordId(ctx, PRODUCTS, 'prod'), requiredString(ctx.body, 'name'), optionalString(ctx.body, 'description') ?? null);
}

/** `product` names an existing product; `product_data[name]` makes one inline, as Stripe allows. */
function productFor(ctx: RequestContext, form: FormObject, param: string): Product {
  const productId = optionalString(form, 'product');
  if (productId !== undefined) return referencedRecord<Product>(ctx, PRODUCTS, productId, 'product', `${param}product`);
  const data = optionalHash(form, 'product_data');
  const name = typeof data?.name === 'string' ? data.name : 'Emulator product';
  return insertProduct(ctx, ctx.store.newId('prod'), name, null);
}

/**
 * A price from create-price fields in `form`: `ctx.body` for `POST /v1/prices`, or an inline
 * `price_data` hash (`param` is then its prefix, e.g. `items[0][price_data]`). Inline prices may
 * omit `product`; the emulator then makes one, which saves a seed the product round-trip.
 */
export function insertPrice(ctx: RequestContext, form: FormObject, id: string, param = ''): Price {
  const product = productFor(ctx, form, param);
  const recurring = optionalHash(form, 'recurring');
  const interval = recurring === null ? undefined : optionalEnum(recurring, 'interval', INTERVALS);
  const intervalCount = recurring === null ? undefined : optionalInteger(recurring, 'interval_count');
  return ctx.store.collection<Price>(PRICES).insert({
    id,
    object: 'price',
    created: ctx.store.nowSeconds(),
    livemode: ctx.livemode,
    product: product.id,
    currency: requiredString(form, 'currency').toLowerCase(),
    unit_amount: optionalInteger(form, 'unit_amount') ?? 0,
    type: interval === undefined ? 'one_time' : 'recurring',
    recurring: interval === undefined ? null : { interval, interval_count: intervalCount ?? 1 },
    active: true,
    metadata: metadataParam(form),
  });
}

export const productPriceRoutes: Route[] = [
  { method: 'POST', path: '/v1/products', kind: 'write', handler: createProduct },
  { method: 'GET', path: '/v1/products', kind: 'read', handler: (ctx) => paginate(listRecords(ctx, PRODUCTS), ctx.query, '/v1/products') },
  { method: 'GET', path: '/v1/products/:id', kind: 'read', handler: (ctx) => findRecord(ctx, PRODUCTS, ctx.params.id!, 'product') },
  { method: 'POST', path: '/v1/prices', kind: 'write', handler: (ctx) => insertPrice(ctx, ctx.body, newRecordId(ctx, PRICES, 'price')) },
  { method: 'GET', path: '/v1/prices', kind: 'read', handler: (ctx) => paginate(listRecords(ctx, PRICES), ctx.query, '/v1/prices') },
  { method: 'GET', path: '/v1/prices/:id', kind: 'read', handler: (ctx) => findRecord(ctx, PRICES, ctx.params.id!, 'price') },
];
