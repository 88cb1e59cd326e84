/**
 * `--stripe-version V`: the shape of a Stripe API version, `YYYY-MM-DD` with an optional release
 * name (`2024-06-20`, `2025-03-31.basil`, `2026-08-26.preview`). Whether Stripe knows the version is
 * Stripe's to say; a typo in the shape is caught here, before anything is sent.
 */
const VERSION = /^(\d{4})-(\d{2})-(\d{2})(?:\.[a-z]+)?$/;

/** The problem with `value` as an API version, naming the option; `undefined` when it is well formed. */
export function stripeVersionProblem(value: string): string | undefined {
  const match = VERSION.exec(value);
  const [year, month, day] = (match?.slice(1, 4) ?? []).map(Number) as [number?, number?, number?];
  const date = year === undefined ? undefined : new Date(Date.UTC(year, (month ?? 0) - 1, day));
  const isRealDate = date !== undefined && date.getUTCFullYear() === year && date.getUTCMonth() + 1 === month && date.getUTCDate() === day;
  if (match && isRealDate) return undefined;
  return `--stripe-version must be a Stripe API version such as 2026-08-26.preview (YYYY-MM-DD, then optionally a dot and a release name); got '${value}'`;
}
