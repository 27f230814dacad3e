import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { dataDir } from './settings';

/**
 * Local JWTs play the part of Cognito's on a laptop. They are signed with a key kept in the data
 * directory and carry the local issuer, which a deployed stack's Cognito authorizer never trusts.
 */
export const LOCAL_ISSUER = 'kneadpay-local';
export const LOCAL_AUDIENCE = 'kneadpay-local';
/** The claim that carries the practice, as the Cognito user pool's custom attribute does. */
export const PRACTICE_CLAIM = 'custom:practiceId';
/** Practice ids as the API takes them (letters, digits, `_`, `-`, at most 64): the local sign-in and `kneadpay token` mint no other. */
export const PRACTICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const signingKey = (dir: string = dataDir()): Uint8Array => {
  const file = join(dir, 'local-jwt.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
};

export const mintLocalToken = async (practiceId: string, options: { dir?: string; expiresIn?: string } = {}): Promise<string> =>
  new SignJWT({ [PRACTICE_CLAIM]: practiceId, scope: 'practice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(`local-user-${practiceId}`)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(signingKey(options.dir));

/** Verifies a local token and returns its claims (what API Gateway puts in `authorizer.jwt.claims`). */
export const verifyLocalToken = async (token: string, dir?: string): Promise<Record<string, unknown>> => {
  const { payload } = await jwtVerify(token, signingKey(dir), { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
  return payload as Record<string, unknown>;
};
