import { randomBytes } from 'node:crypto';

/** Every stored Stripe object has at least these fields. */
export interface StoredObject {
  id: string;
  object: string;
  created: number;
  livemode: boolean;
}

/**
 * One kind of object, kept in insertion order (Stripe lists newest first: use `newestFirst()`).
 * Objects are plain JSON-able records; handlers mutate them in place.
 */
export class Collection<T extends StoredObject> {
  readonly #items = new Map<string, T>();

  insert(item: T): T {
    this.#items.set(item.id, item);
    return item;
  }

  get(id: string): T | undefined {
    return this.#items.get(id);
  }

  has(id: string): boolean {
    return this.#items.has(id);
  }

  delete(id: string): boolean {
    return this.#items.delete(id);
  }

  /** Oldest first, as inserted. */
  all(): T[] {
    return [...this.#items.values()];
  }

  /** Newest first, the order of Stripe's list endpoints. */
  newestFirst(): T[] {
    return this.all().reverse();
  }

  get size(): number {
    return this.#items.size;
  }
}

/**
 * The emulator's whole in-memory state. Collections are created on first use by name
 * (`store.collection<Customer>('customers')`), so resource modules stay independent.
 * `clockMs` is injectable so tests and timers agree on "now".
 */
export class EmulatorStore {
  readonly #collections = new Map<string, Collection<StoredObject>>();
  #counter = 0;

  constructor(readonly clockMs: () => number = Date.now) {}

  collection<T extends StoredObject>(name: string): Collection<T> {
    let c = this.#collections.get(name);
    if (!c) {
      c = new Collection<StoredObject>();
      this.#collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  /** Unix seconds, as Stripe's `created`. */
  nowSeconds(): number {
    return Math.floor(this.clockMs() / 1000);
  }

  /** A fresh id with Stripe's prefix, e.g. `newId('cus')` → `cus_0001Xk3…`. Unique and sortable by creation. */
  newId(prefix: string): string {
    this.#counter += 1;
    const seq = this.#counter.toString(36).padStart(6, '0');
    return `${prefix}_${seq}${randomBytes(6).toString('base64url').replace(/[-_]/g, 'x')}`;
  }
}
