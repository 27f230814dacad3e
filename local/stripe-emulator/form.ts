/**
 * Stripe's form encoding: `a[b][c]=v`, `a[0][b]=v`, `expand[]=v`, `metadata=` (empty string unsets).
 * Parsed into a tree of plain objects whose leaves are strings; arrays stay objects keyed by index
 * here — the parameter specs (params.ts) decide what is an array.
 */
import { paramError } from './errors';

export type FormValue = string | FormTree;
export interface FormTree {
  [key: string]: FormValue;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw paramError(`Invalid URL encoding: ${text.slice(0, 40)}`, text.slice(0, 40));
  }
};

/** `line_items[0][price]` → `['line_items', '0', 'price']`; `expand[]` → `['expand', '']`. */
export const splitKey = (key: string): string[] => {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const [, head = key, rest = ''] = match;
  const segments = [head];
  for (const part of rest.matchAll(/\[([^[\]]*)\]/g)) segments.push(part[1] ?? '');
  return segments;
};

const isTree = (value: FormValue | undefined): value is FormTree => typeof value === 'object' && value !== null;

const nextIndex = (node: FormTree): string => String(Object.keys(node).filter((k) => /^\d+$/.test(k)).length);

const assign = (root: FormTree, path: string[], value: string, key: string) => {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i] ?? '';
    if (segment === '') segment = nextIndex(node);
    const last = i === path.length - 1;
    if (last) {
      if (isTree(node[segment])) throw paramError(`Invalid hash: ${key} mixes a value and nested keys`, key);
      node[segment] = value;
      return;
    }
    const existing = node[segment];
    if (existing === undefined) {
      const child: FormTree = {};
      node[segment] = child;
      node = child;
    } else if (isTree(existing)) {
      node = existing;
    } else {
      throw paramError(`Invalid hash: ${key} mixes a value and nested keys`, key);
    }
  }
};

export const parseForm = (input: string): FormTree => {
  const root: FormTree = {};
  for (const part of input.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value = decode(eq === -1 ? '' : part.slice(eq + 1));
    if (!key) continue;
    assign(root, splitKey(key), value, key);
  }
  return root;
};

/** Canonical text of a parsed tree (sorted keys): what idempotency compares. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );

/** Encodes a nested object the way stripe-node does (indexed arrays, bracketed keys). */
export const encodeForm = (data: Record<string, unknown>): string => {
  const pairs: string[] = [];
  const walk = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object') {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value === null ? '' : String(value))}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(`${key}[${i}]`, item));
    } else {
      for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    }
  };
  for (const [k, v] of Object.entries(data)) walk(k, v);
  return pairs.join('&');
};
