import type { Route } from './route.js';

/** A route that matched a request, with its `:name` path parameters decoded. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: Route;
  segments: string[];
  /** Literal segments count: the most specific route wins (`/v1/customers/search` over `/v1/customers/:id`). */
  literals: number;
}

/**
 * The route table as data: `match` finds the route for a method and path, independent of the order in
 * which routes were listed. Two routes with the same method and pattern are a programming error.
 */
export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    const seen = new Set<string>();
    this.#routes = routes.map((route) => {
      const segments = splitPath(route.path);
      const signature = `${route.method} ${segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/')}`;
      if (seen.has(signature)) throw new Error(`Duplicate emulator route: ${route.method} ${route.path}`);
      seen.add(signature);
      return { route, segments, literals: segments.filter((s) => !s.startsWith(':')).length };
    });
  }

  match(method: string, path: string): RouteMatch | undefined {
    const parts = splitPath(path);
    let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
    for (const compiled of this.#routes) {
      if (compiled.route.method !== method || compiled.segments.length !== parts.length) continue;
      const params = matchSegments(compiled.segments, parts);
      if (params && (!best || compiled.literals > best.compiled.literals)) best = { compiled, params };
    }
    return best && { route: best.compiled.route, params: best.params };
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] ?? '';
    const actual = parts[i] ?? '';
    if (expected.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
      params[expected.slice(1)] = decoded;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
