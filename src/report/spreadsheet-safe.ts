/**
 * Cells a spreadsheet would read as a formula, per OWASP "CSV Injection"
 * (https://owasp.org/www-community/attacks/CSV_Injection): a value from a request file must not run
 * as a formula when legal opens the result in Excel or Sheets.
 */
const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

/** The value with a leading `'` when it starts with `=`, `+`, `-`, `@`, tab or CR; else unchanged. */
export function neutraliseCell(value: string): string {
  return FORMULA_TRIGGER.test(value) ? `'${value}` : value;
}
