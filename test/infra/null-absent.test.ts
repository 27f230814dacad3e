import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "null" and "absent" mean the same in the table (audit g2, after bug 110: one branch cleared
 * `writeOffRequest` by storing `null`, another guarded with `attribute_not_exists(writeOffRequest)`;
 * merged, a held invoice partly written off could never be sent). The rule, read from the tree:
 * whether a non-key attribute is there is tested only through `absent` / `present`
 * (functions/store/conditions.ts), which take `null` as absent. Outside that file no
 * `attribute_exists(` / `attribute_not_exists(` of anything but the key (`pk`, `sk`: the item
 * exists), and no hand-written `… OR x = :null` / `… AND x <> :null` (the helper's own pattern). The
 * helper itself is tested on DynamoDB Local: test/integration/conditions-null.test.ts.
 */
const ROOT = join(import.meta.dirname, '..', '..');
/** Where the product's DynamoDB expressions are written (bench/ measures bare DynamoDB calls; test/ seeds items). */
const SCANNED = ['functions', 'lib', 'local'];
/** The one file that may write the existence tests. */
const HELPER = 'functions/store/conditions.ts';
/** The table's key attributes: `attribute_(not_)exists(pk)` asks whether the item is there, which `null` cannot touch. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk']);

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'cdk.out' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** The source without comments, so a comment may name `attribute_not_exists(x)` (as this one does). */
const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

const EXISTENCE_TEST = /\battribute_(not_)?exists\s*\(\s*([^)]*?)\s*\)/g;
/** A comparison with `:null` joined to a condition (`OR x = :null`, `AND #x <> :null`, `(x = :null`); a `SET x = :null, …` clause is a write, not this. */
const NULL_COMPARISON = /(?:\bOR|\bAND|\()\s*([#\w.[\]]+)\s*(=|<>)\s*:null(?![A-Za-z0-9_])/g;

/** What breaks the rule in one file (`file` relative to the repository); empty when it keeps it. Pure, so it is tested on sources written to break it. */
export const nullAbsentViolations = (file: string, text: string): string[] => {
  if (file === HELPER) return [];
  const code = withoutComments(text);
  const found: string[] = [];
  for (const match of code.matchAll(EXISTENCE_TEST)) {
    const path = match[2]!;
    if (KEY_ATTRIBUTES.has(path)) continue;
    found.push(`${file}: ${match[0]} — use ${match[1] ? 'absent' : 'present'}('${path}') from store/conditions.ts (a null ${path} must read as absent)`);
  }
  for (const match of code.matchAll(NULL_COMPARISON)) {
    found.push(`${file}: '${match[1]} ${match[2]} :null' written by hand — use absent/present from store/conditions.ts`);
  }
  return found;
};

const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).map((path) => ({ file: relative(ROOT, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }));

describe('null means absent: existence tests go through store/conditions.ts', () => {
  it('reads the store (the walk found the helper and the files that use it)', () => {
    expect(files.some((f) => f.file === HELPER)).toBe(true);
    expect(files.filter((f) => f.file.startsWith('functions/store/')).length).toBeGreaterThan(20);
    expect(files.filter((f) => /\b(absent|present)\(/.test(f.text) && f.file !== HELPER).length).toBeGreaterThan(5);
  });

  it('no attribute_exists / attribute_not_exists of a non-key attribute, and no hand-written null test, outside the helper', () => {
    expect(files.flatMap((f) => nullAbsentViolations(f.file, f.text))).toEqual([]);
  });

  describe('the rule catches what it is meant to', () => {
    it('refuses an existence test of a non-key attribute: a name, a placeholder, a document path, in a template', () => {
      expect(nullAbsentViolations('functions/store/x.ts', "const c = 'attribute_exists(pk) AND attribute_not_exists(writeOffRequest)';")).toEqual([
        "functions/store/x.ts: attribute_not_exists(writeOffRequest) — use absent('writeOffRequest') from store/conditions.ts (a null writeOffRequest must read as absent)",
      ]);
      expect(nullAbsentViolations('functions/store/x.ts', 'const c = `(attribute_exists(#g) AND #g <> :g)`;')).toHaveLength(1);
      expect(nullAbsentViolations('functions/store/x.ts', "const c = 'attribute_exists( writeOffRequest.amountCents )';")).toHaveLength(1);
      expect(nullAbsentViolations('functions/core/x.ts', 'const f = `${a} AND attribute_not_exists(#absent${i})`;')).toHaveLength(1);
      expect(nullAbsentViolations('local/x.ts', "FilterExpression: 'attribute_exists(#sequence)'")).toHaveLength(1);
    });

    it('refuses a null test written by hand (the pair bug 110 came from, spelled out)', () => {
      expect(nullAbsentViolations('functions/store/x.ts', "'(attribute_not_exists(pk) OR emailedAt = :null)'")).toHaveLength(1);
      expect(nullAbsentViolations('functions/store/x.ts', "'attribute_exists(pk) AND #x <> :null'")).toHaveLength(1);
      expect(nullAbsentViolations('functions/store/x.ts', "'(writeOff = :null OR writeOff = :w)'")).toHaveLength(1);
    });

    it('lets through the key, the helper, a null written by SET, :nullable names and comments', () => {
      const ok = [
        "const put = { ConditionExpression: 'attribute_not_exists(pk)' };",
        "const upd = { ConditionExpression: 'attribute_exists(pk) AND attribute_exists(sk)' };",
        'const c = `attribute_exists(pk) AND ${absent("#g")} AND ${present("emailedAt")}`;',
        "const u = 'SET linkedAt = :at, deauthorizedAt = :null';",
        "const v = 'SET x = :null, y = :y';",
        "const w = 'x = :nullable';",
        '// attribute_not_exists(writeOffRequest) is what absent() spares you',
        '/** (attribute_not_exists(x) OR x = :null) */',
      ].join('\n');
      expect(nullAbsentViolations('functions/store/x.ts', ok)).toEqual([]);
      expect(nullAbsentViolations(HELPER, 'export const absent = (p) => `(attribute_not_exists(${p}) OR ${p} = :null)`;')).toEqual([]);
    });
  });
});
