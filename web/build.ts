/**
 * Builds the staff web app (web/src) into static files: `app.js` (one ES module, minified) and
 * `app.css`. The browser bundle includes the API's own domain code it needs (the 8-minute rule
 * from functions/domain/units.ts), so the units shown while typing are the units the API bills.
 *
 * `npx tsx web/build.ts [--out <dir>]` (default web/dist). The local stack builds it on start;
 * the CDK bundling of the web-app function runs it into the function's asset (lib/constructs).
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_OUT = join(WEB_ROOT, 'dist');

export interface WebBuild {
  outDir: string;
  /** Bytes of each file written (before compression). */
  files: Record<string, number>;
}

export const buildWebApp = async (outDir: string = DEFAULT_WEB_OUT): Promise<WebBuild> => {
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    // main.ts imports app.css: esbuild writes app.js and app.css.
    entryPoints: { app: join(WEB_ROOT, 'src', 'main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // Evergreen browsers a front desk runs (tablets included): ES2020 keeps the bundle small.
    target: ['es2020'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const files: Record<string, number> = {};
  for (const [file, info] of Object.entries(result.metafile.outputs)) files[file.split('/').pop()!] = info.bytes;
  return { outDir, files };
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const index = process.argv.indexOf('--out');
  const out = index >= 0 && process.argv[index + 1] ? resolve(process.argv[index + 1]!) : DEFAULT_WEB_OUT;
  buildWebApp(out).then(
    (built) =>
      process.stdout.write(
        `web app built in ${built.outDir}: ${Object.entries(built.files)
          .map(([f, b]) => `${f} ${b} B`)
          .join(', ')}\n`,
      ),
    (error: unknown) => {
      process.stderr.write(`web app build failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
