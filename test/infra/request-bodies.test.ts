/**
 * Request bodies (issue 15, point 4): every body kneadpay reads is a zod/mini schema in the catalog
 * (`functions/shared/schemas/requests.ts`), parsed with `parseBody`. The old field-by-field reader,
 * `fields()` of `shared/validate.ts`, is gone; this fails if a call to it (or its like) comes back
 * under `functions/`, or if a function imports the classic `zod` (about 450 kB in a bundle; zod/mini
 * is about 25 kB).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as validate from '../../functions/shared/validate';

const ROOT = join(import.meta.dirname, '..', '..');

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));

const linesMatching = (pattern: RegExp) =>
  sourceFiles('functions').flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
      .filter(({ line }) => pattern.test(line))
      .map(({ at }) => at),
  );

describe('request bodies are read with the zod catalog only', () => {
  it('no fields( call, definition or import under functions/ (shared/validate.ts keeps only isCalendarDate and the patterns)', () => {
    // A call with an argument (`fields(body)`, `fields (detail, 'detail')`); the prose name `fields()` in comments is not one.
    expect(linesMatching(/\bfields\s*\(\s*[^)\s]/)).toEqual([]);
    // (A local variable named `fields`, as in store/ update builders, is not the reader.)
    expect(linesMatching(/export\s+(const|function)\s+fields\b|import\s*\{[^}]*\bfields\b[^}]*\}\s*from\s*['"][^'"]*validate['"]|\bFieldReader\b/)).toEqual([]);
    expect(Object.keys(validate).sort()).toEqual(['CURRENCY_PATTERN', 'EMAIL_PATTERN', 'isCalendarDate']);
  });

  it('functions import zod/mini, never the classic zod', () => {
    expect(linesMatching(/from\s+['"]zod['"]|from\s+['"]zod\/(v4|v3|classic)['"]|require\(['"]zod['"]\)/)).toEqual([]);
    expect(linesMatching(/from\s+['"]zod\/mini['"]/).length).toBeGreaterThan(0);
  });
});
