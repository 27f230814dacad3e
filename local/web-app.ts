/**
 * The staff web app on a laptop: built into the stack's data directory on start (so stacks in
 * different directories never share files), and its local sign-in, which mints the same local
 * token `npx kneadpay token` does. A deployed stack has neither: it signs staff in with Cognito.
 */
import { join } from 'node:path';
import { buildWebApp } from '../web/build';
import { WEB_ENV } from '../functions/web-app';
import { mintLocalToken, PRACTICE_ID } from './auth';
import type { LocalRouteHandler } from './http-api';

/** A working day; the app signs in again when it runs out. */
const DEFAULT_LIFETIME_SECONDS = 12 * 60 * 60;

export const prepareWebApp = async (dataDir: string, setEnv: (name: string, value: string) => void): Promise<void> => {
  const outDir = join(dataDir, 'web');
  await buildWebApp(outDir);
  setEnv(WEB_ENV.webDir, outDir);
};

/** `POST /_local/token` `{practiceId, expiresInSeconds?}` → `{token, practiceId, expiresAt}`. */
export const localSignInRoute =
  (dataDir: string): LocalRouteHandler =>
  async ({ body }) => {
    let input: { practiceId?: unknown; expiresInSeconds?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      return { statusCode: 400, body: { error: { code: 'validation_error', message: 'send a JSON object', details: { field: 'body' } } } };
    }
    const practiceId = typeof input?.practiceId === 'string' ? input.practiceId.trim() : '';
    if (!PRACTICE_ID.test(practiceId)) {
      return {
        statusCode: 400,
        body: { error: { code: 'validation_error', message: 'a practice id is letters, digits, _ or -, at most 64', details: { field: 'practiceId' } } },
      };
    }
    const lifetime = input.expiresInSeconds === undefined ? DEFAULT_LIFETIME_SECONDS : Number(input.expiresInSeconds);
    if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > DEFAULT_LIFETIME_SECONDS) {
      return { statusCode: 400, body: { error: { code: 'validation_error', message: `expiresInSeconds is 1 to ${DEFAULT_LIFETIME_SECONDS}`, details: { field: 'expiresInSeconds' } } } };
    }
    const token = await mintLocalToken(practiceId, { dir: dataDir, expiresIn: `${lifetime}s` });
    return { statusCode: 200, body: { token, practiceId, expiresAt: new Date(Date.now() + lifetime * 1000).toISOString() } };
  };
