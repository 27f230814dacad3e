import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of functions/ (issue 15, point 1), read from the tree itself:
 * - `domain/` is pure: it imports nothing outside `functions/domain` (no package, no Node module);
 * - `core/` speaks the domain: no AWS SDK, no Stripe SDK (the `functions/stripe/` gateway is the
 *   way to Stripe), no DynamoDB expression and no SDK command; it hands domain values to store
 *   functions (through the ports in `core/ports.ts`);
 * - `store/` owns DynamoDB and never imports `core/`.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const FUNCTIONS = join(ROOT, 'functions');

/**
 * Core files that still build DynamoDB writes themselves: helper 2 moves these (receipts and
 * invoicing renovation, issue 15). The lead empties this list after the merge; a file listed here
 * that is clean fails the test below, so the list cannot outlive its reason.
 */
const NOT_YET_CLEAN: readonly string[] = [];

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** The source without comments, so a comment may name an expression without breaking the rule. */
const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

/** Every module a file names: static imports and re-exports (type-only too), dynamic imports, require. */
export const importsOf = (text: string): string[] => {
  const code = withoutComments(text);
  return [
    ...[...code.matchAll(/^\s*import\s+(?:type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...code.matchAll(/^\s*export\s+(?:type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
    ...[...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
  ];
};

const EXPRESSION = /\b(UpdateExpression|ConditionExpression|KeyConditionExpression|FilterExpression|ProjectionExpression)\b/;
const SDK_COMMAND = /\bnew\s+[A-Za-z_$][\w$]*Command\s*\(/;

/** Which functions/ layer a module path (relative to functions/) is in. */
const layerOf = (path: string): string => path.split('/')[0]!;

/**
 * What breaks the rule in one file (`file` relative to functions/, e.g. `core/claims.ts`); empty
 * when it keeps it. Pure, so the rule itself is tested on sources written to break it.
 */
export const violations = (file: string, text: string): string[] => {
  const found: string[] = [];
  const layer = layerOf(file);
  const code = withoutComments(text);
  for (const specifier of importsOf(text)) {
    const relativeTarget = specifier.startsWith('.') ? relative(FUNCTIONS, resolve(FUNCTIONS, dirname(file), specifier)).split('\\').join('/') : undefined;
    if (layer === 'domain' && (relativeTarget === undefined || layerOf(relativeTarget) !== 'domain')) {
      found.push(`${file}: domain imports '${specifier}' (outside functions/domain)`);
    }
    if (layer === 'core') {
      if (specifier.startsWith('@aws-sdk/')) found.push(`${file}: core imports the AWS SDK ('${specifier}')`);
      if (specifier === 'stripe' || specifier.startsWith('stripe/')) found.push(`${file}: core imports the Stripe SDK ('${specifier}'); go through functions/stripe/`);
    }
    if (layer === 'store' && relativeTarget !== undefined && layerOf(relativeTarget) === 'core') {
      found.push(`${file}: store imports core ('${specifier}')`);
    }
  }
  if (layer === 'core') {
    const expression = EXPRESSION.exec(code);
    if (expression) found.push(`${file}: core builds a DynamoDB expression (${expression[1]})`);
    const command = SDK_COMMAND.exec(code);
    if (command) found.push(`${file}: core sends an SDK command (${command[0].trim()})`);
  }
  return found;
};

const files = ['domain', 'core', 'store'].flatMap((layer) => sourceFiles(join(FUNCTIONS, layer))).map((path) => ({
  file: relative(FUNCTIONS, path).split('\\').join('/'),
  text: readFileSync(path, 'utf8'),
}));

describe('layers of functions/: domain ← core → store', () => {
  it('reads every layer (the walk found files in domain, core and store)', () => {
    for (const layer of ['domain', 'core', 'store']) expect(files.some((f) => f.file.startsWith(`${layer}/`)), layer).toBe(true);
  });

  it('domain imports nothing outside itself; core no SDK, no expression, no command; store never core', () => {
    const broken = files.filter((f) => !NOT_YET_CLEAN.includes(f.file)).flatMap((f) => violations(f.file, f.text));
    expect(broken).toEqual([]);
  });

  it('every file on the not-yet-clean list still needs to be there (remove the clean ones)', () => {
    const clean = NOT_YET_CLEAN.filter((file) => {
      const found = files.find((f) => f.file === file);
      return found !== undefined && violations(found.file, found.text).length === 0;
    });
    expect(clean).toEqual([]);
  });

  describe('the rule catches what it is meant to', () => {
    it('core: the AWS SDK, the Stripe SDK (type-only too), an expression, a command', () => {
      expect(violations('core/x.ts', "import { PutCommand } from '@aws-sdk/lib-dynamodb';")).toHaveLength(1);
      expect(violations('core/x.ts', "import type Stripe from 'stripe';")).toHaveLength(1);
      expect(violations('core/x.ts', "const load = () => import('@aws-sdk/client-dynamodb');")).toHaveLength(1);
      expect(violations('core/x.ts', "const u = { UpdateExpression: 'SET a = :a' };")).toEqual(['core/x.ts: core builds a DynamoDB expression (UpdateExpression)']);
      expect(violations('core/x.ts', "const q = { KeyConditionExpression: 'pk = :pk' };")).toHaveLength(1);
      expect(violations('core/x.ts', "const p = { ProjectionExpression: 'a' };")).toHaveLength(1);
      expect(violations('core/x.ts', 'await store.doc.send(new QueryCommand(input));')).toEqual(['core/x.ts: core sends an SDK command (new QueryCommand()']);
    });

    it('core: the Stripe gateway, the store functions and a comment naming an expression are fine', () => {
      const ok = [
        "import { createCheckoutSession } from '../stripe/checkout';",
        "import type { StripeClient } from '../stripe/types';",
        "import { recordBatchSubmitted } from '../store/claims-out';",
        '// the store writes the ConditionExpression; see new TransactWriteCommand( in store/',
        '/** UpdateExpression lives in store/ */',
      ].join('\n');
      expect(violations('core/x.ts', ok)).toEqual([]);
    });

    it('domain: a package, a Node module, shared/ or store/ are outside; a sibling is inside', () => {
      expect(violations('domain/x.ts', "import { z } from 'zod';")).toHaveLength(1);
      expect(violations('domain/x.ts', "import { createHash } from 'node:crypto';")).toHaveLength(1);
      expect(violations('domain/x.ts', "import { ValidationError } from '../shared/errors';")).toHaveLength(1);
      expect(violations('domain/x.ts', "import type { Store } from '../store/table';")).toHaveLength(1);
      expect(violations('domain/era835/x.ts', "import { isCents } from '../money';\nimport type { Seg } from './segments';")).toEqual([]);
      expect(violations('domain/x12/x.ts', "export { build837P } from '../../store/x';")).toHaveLength(1);
    });

    it('store: importing core is refused; the domain is fine', () => {
      expect(violations('store/x.ts', "import { requirePractice } from '../core/practice';")).toHaveLength(1);
      expect(violations('store/x.ts', "import type { Claim } from '../domain/claim';\nimport { UpdateCommand } from '@aws-sdk/lib-dynamodb';")).toEqual([]);
    });
  });
});
