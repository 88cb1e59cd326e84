import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';

/** SHA-256 of a file's bytes, hex, streamed: evidence of exactly which input a run read and which report it wrote. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** This tool's version, from its package.json (shipped beside dist/). */
export function toolVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}
