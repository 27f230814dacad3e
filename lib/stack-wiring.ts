import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, ROUTES, RULES, SCHEDULES, type FunctionSpec, type RouteSpec, type RuleSpec, type ScheduleSpec } from './wiring';

/**
 * The wiring table as the stack consumes it. `lib/wiring.ts` types `fn` as the names it lists
 * today; the stack is generic over any names, so tests can hand it a table that has grown
 * (a webhook, public pages, rules, schedules) without touching the real one.
 */
export interface Wiring {
  functions: Readonly<Record<string, FunctionSpec>>;
  /** `handler` is required in lib/wiring.ts; a test's table may leave it out (the stack does not read it). */
  routes: readonly (Omit<RouteSpec, 'fn' | 'handler'> & { fn: string; handler?: string })[];
  rules: readonly (Omit<RuleSpec, 'fn'> & { fn: string })[];
  schedules: readonly (Omit<ScheduleSpec, 'fn'> & { fn: string })[];
}

/** The wiring that is deployed: exactly `lib/wiring.ts`. */
export const WIRING: Wiring = { functions: FUNCTIONS, routes: ROUTES, rules: RULES, schedules: SCHEDULES };

/** The project root: wiring entries are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** Functions invoked asynchronously (rule or schedule targets): they get a DLQ and an alarm. */
export const asyncFunctionNames = (wiring: Wiring): Set<string> => new Set([...wiring.rules.map((rule) => rule.fn), ...wiring.schedules.map((schedule) => schedule.fn)]);

/**
 * Problems in a wiring table, one sentence each, so a typo fails synth with a message that names
 * the row instead of a CloudFormation error at deploy time.
 */
export const wiringProblems = (wiring: Wiring, root: string = PROJECT_ROOT): string[] => {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(wiring.functions)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) problems.push(`function "${name}": names are lower-case kebab-case`);
    if (!existsSync(path.join(root, spec.entry))) problems.push(`function "${name}": entry ${spec.entry} does not exist`);
  }
  const known = (fn: string, where: string) => {
    if (!(fn in wiring.functions)) problems.push(`${where}: function "${fn}" is not in FUNCTIONS`);
  };
  const routeKeys = new Set<string>();
  const handlers = new Map<string, string>();
  for (const route of wiring.routes) {
    const key = `${route.method} ${route.path}`;
    known(route.fn, `route ${key}`);
    if (!route.path.startsWith('/')) problems.push(`route ${key}: the path must start with /`);
    if (routeKeys.has(key)) problems.push(`route ${key} is listed twice`);
    routeKeys.add(key);
    if (route.handler !== undefined) {
      // One handler per route: the dispatcher (functions/shared/http.ts) picks it by route key.
      if (!/^[a-z][A-Za-z0-9]*$/.test(route.handler)) problems.push(`route ${key}: handler "${route.handler}" is not a camelCase export name`);
      const owner = `${route.fn}.${route.handler}`;
      if (handlers.has(owner)) problems.push(`route ${key}: handler ${owner} already serves ${handlers.get(owner)}`);
      handlers.set(owner, key);
    }
  }
  const ruleKeys = new Set<string>();
  for (const rule of wiring.rules) {
    const key = `${rule.detailType} → ${rule.fn}`;
    known(rule.fn, `rule ${key}`);
    if (ruleKeys.has(key)) problems.push(`rule ${key} is listed twice`);
    ruleKeys.add(key);
  }
  for (const schedule of wiring.schedules) {
    known(schedule.fn, `schedule ${schedule.expression} → ${schedule.fn}`);
    if (!/^(rate|cron)\(.+\)$/.test(schedule.expression)) {
      problems.push(`schedule ${schedule.expression} → ${schedule.fn}: use rate(…) or cron(…)`);
    }
  }
  return problems;
};

/** `stripe-webhook` → `StripeWebhook`: construct ids (and so logical ids) from wiring names. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
