import { OBJECT_KINDS, objectTypeOfId } from './identifier.js';
import { MAX_JOB_IDENTIFIERS, type JobObjects } from './job.js';

/**
 * Groups ids into redaction jobs of at most {@link MAX_JOB_IDENTIFIERS}. The state store decides what
 * still needs a job; an id offered again while it waits in the open batch (an email and a row naming
 * the same customer) is taken once.
 */
export class JobPacker {
  #pending: string[] = [];

  constructor(readonly maxPerJob: number = MAX_JOB_IDENTIFIERS) {
    if (!Number.isInteger(maxPerJob) || maxPerJob < 1 || maxPerJob > MAX_JOB_IDENTIFIERS) {
      throw new RangeError(`Expected \`maxPerJob\` to be an integer from 1 to ${MAX_JOB_IDENTIFIERS}, got \`${maxPerJob}\``);
    }
  }

  /** Adds one id; returns a full batch when this id completes one. */
  add(id: string): string[] | undefined {
    if (this.#pending.includes(id)) return undefined;
    this.#pending.push(id);
    if (this.#pending.length < this.maxPerJob) return undefined;
    const batch = this.#pending;
    this.#pending = [];
    return batch;
  }

  /** The last, partial batch (or none). */
  flush(): string[] | undefined {
    if (this.#pending.length === 0) return undefined;
    const batch = this.#pending;
    this.#pending = [];
    return batch;
  }
}

/** Splits a list of ids into batches of at most `size`, preserving order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Builds the `objects` hash of a job create from ids, keyed by each id's kind. */
export function toJobObjects(ids: readonly string[]): JobObjects {
  if (ids.length > MAX_JOB_IDENTIFIERS) {
    throw new RangeError(`A redaction job takes at most ${MAX_JOB_IDENTIFIERS} identifiers, got ${ids.length}`);
  }
  const objects: JobObjects = {};
  for (const id of ids) {
    const type = objectTypeOfId(id);
    if (!type) throw new RangeError(`Not a redactable Stripe id: ${id}`);
    const key = OBJECT_KINDS[type].jobKey;
    (objects[key] ??= []).push(id);
  }
  return objects;
}

/** The job slot an id occupies, as Stripe names it in `param` (`objects[customers][2]`). */
export function slotOf(objects: JobObjects, param: string): string | undefined {
  const match = /^objects\[([a-z_]+)\]\[(\d+)\]$/.exec(param);
  if (!match) return undefined;
  const list = objects[match[1] as keyof JobObjects];
  return list?.[Number(match[2])];
}
