/** Reading kneadpay's own source for the rule tests in test/infra/ (what a rule reads from the tree). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const FUNCTIONS = join(import.meta.dirname, '..', '..', 'functions');

/** Every `.ts` file under `dir` (not `.d.ts`, not `node_modules`). */
export const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** The source without comments: a comment may name what a rule looks for. */
export const code = (path: string): string =>
  readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

/** The files under functions/ whose code matches `pattern`, relative to functions/, sorted. */
export const filesWith = (pattern: RegExp): string[] =>
  sourceFiles(FUNCTIONS)
    .filter((path) => pattern.test(code(path)))
    .map((path) => relative(FUNCTIONS, path))
    .sort();
