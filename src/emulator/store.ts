import { randomBytes } from 'node:crypto';

/** Every stored Stripe object has at least these fields. */
export interface StoredObject {
  id: string;
  object: string;
  created: number;
  livemode: boolean;
}

/** The keys an object is filed under in a secondary index (e.g. its lower-cased email); none to leave it out. */
export type IndexKeys<T> = (item: T) => readonly string[];

/** One id or several: most keys (an email) name one object, and a Set per key would double the memory. */
type OneOrMore = string | Set<string>;

interface SecondaryIndex<T> {
  keysOf: IndexKeys<T>;
  /** key → ids filed under it. */
  idsByKey: Map<string, OneOrMore>;
  /** id → the keys it is filed under now, so a re-index removes exactly the old ones. */
  keysById: Map<string, readonly string[]>;
}

/**
 * One kind of object, kept in insertion order (Stripe lists newest first: use `newestFirst()`).
 * Objects are plain JSON-able records; handlers mutate them in place.
 *
 * Secondary indexes (`defineIndex`) file each object under keys computed from its fields. They are
 * kept up to date on `insert` and `delete`; a handler that changes an indexed field in place calls
 * `reindex(item)` afterwards. Invariant: after every `insert`, `delete` and `reindex`, an object is
 * filed under exactly `keysOf(object)` in each index.
 */
export class Collection<T extends StoredObject> {
  readonly #items = new Map<string, T>();
  /** Insertion rank of each id: lookups return their hits in insertion order without scanning. */
  readonly #rank = new Map<string, number>();
  #nextRank = 0;
  readonly #indexes = new Map<string, SecondaryIndex<T>>();
  readonly #insertListeners: ((item: T) => void)[] = [];

  insert(item: T): T {
    const isNew = !this.#rank.has(item.id);
    if (isNew) this.#rank.set(item.id, this.#nextRank++);
    this.#items.set(item.id, item);
    for (const index of this.#indexes.values()) fileUnder(index, item);
    if (isNew) for (const listener of this.#insertListeners) listener(item);
    return item;
  }

  /** Calls `listener` with every object inserted from now on (not with replacements of an id): how recorded events reach webhooks. */
  onInsert(listener: (item: T) => void): void {
    this.#insertListeners.push(listener);
  }

  get(id: string): T | undefined {
    return this.#items.get(id);
  }

  has(id: string): boolean {
    return this.#items.has(id);
  }

  delete(id: string): boolean {
    for (const index of this.#indexes.values()) unfile(index, id);
    this.#rank.delete(id);
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

  /**
   * Adds a secondary index named `name`, filing every present and future object under `keysOf(object)`.
   * Defining a name again is a no-op, so resource modules may call this on every request.
   */
  defineIndex(name: string, keysOf: IndexKeys<T>): void {
    if (this.#indexes.has(name)) return;
    const index: SecondaryIndex<T> = { keysOf, idsByKey: new Map(), keysById: new Map() };
    for (const item of this.#items.values()) fileUnder(index, item);
    this.#indexes.set(name, index);
  }

  /** Files an object again in every index after its indexed fields changed in place. */
  reindex(item: T): void {
    if (this.#items.get(item.id) !== item) return;
    for (const index of this.#indexes.values()) fileUnder(index, item);
  }

  /** Objects filed under any of `keys` in index `name`, each once, oldest first. Throws for an undefined index. */
  lookup(name: string, keys: Iterable<string>): T[] {
    const index = this.#indexes.get(name);
    if (!index) throw new Error(`No index \`${name}\` on this collection`);
    const ids = new Set<string>();
    for (const key of keys) {
      const filed = index.idsByKey.get(key);
      if (typeof filed === 'string') ids.add(filed);
      else if (filed) for (const id of filed) ids.add(id);
    }
    const ranked = [...ids].map((id) => ({ rank: this.#rank.get(id)!, item: this.#items.get(id)! }));
    return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.item);
  }
}

function fileUnder<T extends StoredObject>(index: SecondaryIndex<T>, item: T): void {
  unfile(index, item.id);
  const keys = [...new Set(index.keysOf(item))];
  if (keys.length === 0) return;
  index.keysById.set(item.id, keys);
  for (const key of keys) {
    const filed = index.idsByKey.get(key);
    if (filed === undefined) index.idsByKey.set(key, item.id);
    else if (typeof filed === 'string') index.idsByKey.set(key, new Set([filed, item.id]));
    else filed.add(item.id);
  }
}

function unfile<T extends StoredObject>(index: SecondaryIndex<T>, id: string): void {
  for (const key of index.keysById.get(id) ?? []) {
    const filed = index.idsByKey.get(key);
    if (filed === id) index.idsByKey.delete(key);
    else if (typeof filed === 'object') {
      filed.delete(id);
      if (filed.size === 1) index.idsByKey.set(key, filed.values().next().value!);
    }
  }
  index.keysById.delete(id);
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
