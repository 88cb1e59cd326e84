/**
 * Step "classify" of the flow (docs/architecture.md#the-flow): what one cell of the identifier column names. Pure.
 */

/** The Stripe object kinds a redaction job accepts as roots. */
export type ObjectType =
  | 'customer'
  | 'payment_intent'
  | 'charge'
  | 'invoice'
  | 'setup_intent'
  | 'checkout_session'
  | 'identity_verification_session'
  | 'issuing_cardholder'
  | 'issuing_card'
  | 'radar_value_list_item';

/** The `identifier_type` column of the result CSV. */
export type IdentifierType = 'email' | ObjectType | 'unknown';

/** A key of a redaction job's `objects` hash (https://docs.stripe.com/api/privacy/redaction-job/create). */
export type JobObjectKey =
  | 'customers'
  | 'payment_intents'
  | 'charges'
  | 'invoices'
  | 'setup_intents'
  | 'checkout_sessions'
  | 'identity_verification_sessions'
  | 'issuing_cardholders'
  | 'issuing_cards'
  | 'radar_value_list_items';

/** The `objects` key of a redaction job for each type, and its id prefix. */
export const OBJECT_KINDS: Readonly<Record<ObjectType, { readonly prefix: string; readonly jobKey: JobObjectKey }>> = {
  customer: { prefix: 'cus_', jobKey: 'customers' },
  payment_intent: { prefix: 'pi_', jobKey: 'payment_intents' },
  charge: { prefix: 'ch_', jobKey: 'charges' },
  invoice: { prefix: 'in_', jobKey: 'invoices' },
  setup_intent: { prefix: 'seti_', jobKey: 'setup_intents' },
  checkout_session: { prefix: 'cs_', jobKey: 'checkout_sessions' },
  identity_verification_session: { prefix: 'vs_', jobKey: 'identity_verification_sessions' },
  issuing_cardholder: { prefix: 'ich_', jobKey: 'issuing_cardholders' },
  issuing_card: { prefix: 'ic_', jobKey: 'issuing_cards' },
  radar_value_list_item: { prefix: 'rsli_', jobKey: 'radar_value_list_items' },
};

/** What a cell names: an email to resolve, a Stripe object to redact, or nothing usable. */
export type Classified =
  | {
      kind: 'email';
      type: 'email';
      /** The cell as given, for the report. */
      raw: string;
      /** Trimmed and lower-cased: the matching key. */
      email: string;
      /** Set when the address was read out of a wider cell (`Name <address>`, `mailto:`): the row says so. */
      extractedFrom?: AddressWrapper;
    }
  | { kind: 'object'; type: ObjectType; id: string }
  | {
      kind: 'invalid';
      type: 'unknown';
      raw: string;
      /** Why, in words fit for the `messages` column; never repeats the value itself. */
      reason: string;
    };

/** The wrappers an address is read out of: a display name (`Jane Doe <jane@example.com>`) or a `mailto:` link. */
export type AddressWrapper = 'name_address' | 'mailto';

/** RFC 5321's limit on a forward path, which bounds what Stripe can have stored. */
const MAX_EMAIL_LENGTH = 254;
/** RFC 5321's limit on a local part. */
const MAX_LOCAL_PART_LENGTH = 64;

// Longest prefix first, so no prefix can claim an id that a longer one names. (Today none is a
// prefix of another — `ic_` and `ich_` differ at their third character — but the order keeps that
// true if a kind is added.)
const PREFIXES_LONGEST_FIRST: readonly (readonly [string, ObjectType])[] = (
  Object.entries(OBJECT_KINDS) as [ObjectType, { prefix: string }][]
)
  .map(([type, { prefix }]) => [prefix, type] as const)
  .sort(([a], [b]) => b.length - a.length);

const ID_BODY = /^[A-Za-z0-9_]+$/;
/** Something shaped like a Stripe id (`sub_…`, `acct_…`), to say "not redactable" rather than "not an id". */
const ID_LIKE = /^[a-z]+_[A-Za-z0-9_]*$/;

const REDACTABLE_KINDS = PREFIXES_LONGEST_FIRST.map(([prefix]) => prefix)
  .reverse()
  .join(', ');

/**
 * Characters that could act as a wildcard or end a quoted search value. Stripe's search
 * (https://docs.stripe.com/search) matches quoted values exactly, but a request must never be able
 * to broaden a search, so these are refused before any query is built.
 */
const SEARCH_HAZARDS = new Map<string, string>([
  ['*', 'a wildcard'],
  ['%', 'a wildcard'],
  ['?', 'a wildcard'],
  ['"', 'a quote'],
  ['\\', 'an escape character'],
  ['`', 'a quote'],
]);

/** RFC 5322 specials, which no unquoted address contains (quoted local parts are not accepted). */
const ADDRESS_SPECIALS = new Set(['(', ')', '<', '>', '[', ']', ',', ';', ':']);

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const WHITESPACE = /\s/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

/** `Display Name <address>` (RFC 5322 name-addr), the name possibly quoted or empty. */
const NAME_ADDR = /^([^<>]*)<([^<>]*)>$/;
const MAILTO = /^mailto:([^?]*)(?:\?.*)?$/i;

/**
 * Classifies one cell of the identifier column. A `Name <address>` or `mailto:address` cell yields
 * its address (`extractedFrom` says which), as export tools write them; the rest of such a cell
 * is never searched for.
 */
export function classifyIdentifier(raw: string): Classified {
  const value = raw.trim();
  if (value === '') return invalid(raw, 'empty identifier');

  const wrapped = unwrapAddress(value);
  if (wrapped !== undefined) {
    const problem = emailProblem(wrapped.address);
    if (problem !== undefined) return invalid(raw, `${describeWrapper(wrapped.from)} whose address is not usable: ${problem}`);
    return { kind: 'email', type: 'email', raw, email: wrapped.address.toLowerCase(), extractedFrom: wrapped.from };
  }

  if (value.includes('@')) {
    const problem = emailProblem(value);
    return problem === undefined
      ? { kind: 'email', type: 'email', raw, email: value.toLowerCase() }
      : invalid(raw, problem);
  }

  const prefix = PREFIXES_LONGEST_FIRST.find(([p]) => value.startsWith(p));
  if (prefix !== undefined) {
    const [p, type] = prefix;
    const body = value.slice(p.length);
    if (body === '') return invalid(raw, `'${p}' has no id after its prefix`);
    if (!ID_BODY.test(body)) {
      return invalid(raw, `a Stripe id starting '${p}' may hold only letters, digits and '_'`);
    }
    return { kind: 'object', type, id: value };
  }

  if (ID_LIKE.test(value)) {
    const unknownPrefix = value.slice(0, value.indexOf('_') + 1);
    return invalid(
      raw,
      `'${unknownPrefix}' objects cannot be redacted; redactable ids start with ${REDACTABLE_KINDS}`,
    );
  }
  return invalid(raw, `neither an email nor a Stripe id; expected an email or an id starting with ${REDACTABLE_KINDS}`);
}

/** The address inside a `Name <address>` or `mailto:` cell; `undefined` for any other cell. */
function unwrapAddress(value: string): { address: string; from: AddressWrapper } | undefined {
  const mailto = MAILTO.exec(value);
  if (mailto) return { address: safeDecode((mailto[1] ?? '').trim()), from: 'mailto' };
  const nameAddr = NAME_ADDR.exec(value);
  if (nameAddr) {
    const inner = (nameAddr[2] ?? '').trim();
    return { address: MAILTO.exec(inner)?.[1]?.trim() ?? inner, from: 'name_address' };
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function describeWrapper(from: AddressWrapper): string {
  return from === 'mailto' ? "a 'mailto:' link" : "a 'Name <address>' cell";
}

/** What a row says when its address was read out of a wider cell. */
export function describeExtraction(from: AddressWrapper): string {
  return from === 'mailto' ? "the address was read out of a 'mailto:' link" : "the address was read out of 'Name <address>'";
}

/** The object type an id's prefix names, or `undefined`. Checks the prefix only. */
/** Stripe's `object` value of each identifier kind whose name differs from it (as `erroring_object` names it). */
export const STRIPE_OBJECT_TYPE: Partial<Record<string, string>> = {
  checkout_session: 'checkout.session',
  identity_verification_session: 'identity.verification_session',
  issuing_cardholder: 'issuing.cardholder',
  issuing_card: 'issuing.card',
  radar_value_list_item: 'radar.value_list_item',
};

/** Stripe's `object` value for an identifier kind. */
export function stripeObjectType(type: string): string {
  return STRIPE_OBJECT_TYPE[type] ?? type;
}

export function objectTypeOfId(id: string): ObjectType | undefined {
  return PREFIXES_LONGEST_FIRST.find(([prefix]) => id.startsWith(prefix))?.[1];
}

function invalid(raw: string, reason: string): Classified {
  return { kind: 'invalid', type: 'unknown', raw, reason };
}

/** Why a trimmed value containing `@` is not an acceptable email, or `undefined` when it is. */
function emailProblem(value: string): string | undefined {
  if (value.length > MAX_EMAIL_LENGTH) return `email longer than ${MAX_EMAIL_LENGTH} characters`;
  if (INVISIBLE.test(value)) return 'email contains a control or invisible character';
  if (value.includes('<') || value.includes('>')) {
    return "email contains '<' or '>' but is no 'Name <address>' cell: it needs one '<' before the address and one '>' after it";
  }
  if (WHITESPACE.test(value)) {
    // The cause, not the symptom: a name written beside an address, as mail clients copy it.
    const words = value.split(/\s+/u);
    const addresses = words.filter((word) => word.includes('@'));
    if (addresses.length === 1 && words.length > 1 && emailProblem(addresses[0] as string) === undefined) {
      return "email contains whitespace: a name beside the address? write the address alone, or as 'Name <address>'";
    }
    return 'email contains whitespace';
  }
  for (const char of value) {
    const hazard = SEARCH_HAZARDS.get(char);
    if (hazard !== undefined) {
      return `email contains '${char}', ${hazard} in a customer search; refused so that no request can match other customers`;
    }
    if (ADDRESS_SPECIALS.has(char)) return `email contains '${char}', which no plain address holds`;
  }

  const at = value.indexOf('@');
  if (at !== value.lastIndexOf('@')) return "email contains more than one '@'";
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === '') return "email has nothing before '@'";
  if (local.length > MAX_LOCAL_PART_LENGTH) return `email has more than ${MAX_LOCAL_PART_LENGTH} characters before '@'`;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return "email has a misplaced '.' before '@'";
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return "email has no valid domain after '@' (expected a dotted name such as example.com)";
  }
  return undefined;
}

/** What looks like an address inside a cell (`@` with no space or bracket around it), lower-cased, in order. */
const ADDRESS_IN_TEXT = /[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/gu;

/**
 * The address-like parts of an unusable cell (`jane.doe@example.com` in `Jane Doe
 * jane.doe@example.com`), lower-cased: what `show` may be asked about when the row was `invalid`.
 */
export function addressesInCell(raw: string): string[] {
  return [...new Set((raw.match(ADDRESS_IN_TEXT) ?? []).map((address) => address.toLowerCase()))];
}
