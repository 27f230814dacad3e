/** A Stripe API endpoint: method, path pattern, its parameter allowlist and its handler. */
import type { Fields, Shape } from './params';
import type { Ctx } from './state';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Route {
  method: Method;
  path: string;
  fields: Fields;
  handler: (ctx: Ctx, params: Record<string, unknown>, ids: Record<string, string>) => unknown;
}

export const route = <F extends Fields>(method: Method, path: string, fields: F, handler: (ctx: Ctx, params: Shape<F>, ids: Record<string, string>) => unknown): Route => ({
  method,
  path,
  fields,
  // `params` is the output of `validate(fields, …)`, i.e. `Shape<F>`; the table erases `F`.
  handler: handler as Route['handler'],
});

export const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const ids: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (!g) return undefined;
      ids[w.slice(1)] = decodeURIComponent(g);
    } else if (w !== g) return undefined;
  }
  return ids;
};
