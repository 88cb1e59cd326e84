/**
 * A Stripe account id: `acct_` and letters or digits. It names state files (`acct_…-test.db`,
 * `FILE.acct_….db`), so anything else — a path separator above all — is refused wherever an account
 * id comes in: `--stripe-account`, an input's account column, Stripe's answer to `GET /v1/account`.
 */
const ACCOUNT_ID = /^acct_[A-Za-z0-9]+$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** Why a `--stripe-account` value is refused; `undefined` when it is an account id (or not given). */
export function stripeAccountProblem(value: string | undefined): string | undefined {
  return value === undefined || isAccountId(value) ? undefined : `--stripe-account must be a connected account id such as acct_1Example; got '${value}'`;
}
