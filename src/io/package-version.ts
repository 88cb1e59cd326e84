import { readFileSync } from 'node:fs';

/** This tool's version, from its package.json (shipped beside dist/): for `--version` and summary.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(manifest.version);
}
