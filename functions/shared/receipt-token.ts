import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, readConfig } from './config';
import { readSecret } from './secrets';

/**
 * Receipt links (`/r/{token}`): the token names the practice, the receipt and an expiry, and is
 * signed with HMAC-SHA256, so it cannot be guessed or altered, and nothing needs storing to check
 * it. Several secrets (comma-separated) may be configured during a rotation: links are signed with
 * the first and accepted with any.
 */
export const RECEIPT_SECRET_NAME = 'KNEADPAY_RECEIPT_SECRET';

/**
 * When kneadpay runs against DynamoDB Local (`KNEADPAY_DYNAMO_ENDPOINT` set: a laptop or the test
 * run) and no secret is configured, links are signed with a random secret made once per data
 * directory (`KNEADPAY_DATA_DIR`, like the local JWT key), never with one published in the source
 * (issue 17). A deployed stack without the secret fails instead.
 */
export const localReceiptSecret = (dir: string = config().dataDir): string => {
  const file = join(dir, 'receipt-link.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
};

/** Tokens are far shorter; anything longer is refused before decoding. */
const MAX_TOKEN_LENGTH = 512;
const TOKEN_VERSION = 1;

/** The receipt-link secrets; `env` (a test's own environment) defaults to the process's. */
export const receiptSecrets = async (env?: NodeJS.ProcessEnv): Promise<string[]> => {
  let value: string;
  try {
    value = await readSecret(RECEIPT_SECRET_NAME, env);
  } catch (error) {
    const { dynamoEndpoint, dataDir } = env ? readConfig(env) : config();
    if (dynamoEndpoint) return [localReceiptSecret(dataDir)];
    throw error;
  }
  const secrets = value
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (secrets.length === 0) throw new Error(`${RECEIPT_SECRET_NAME} is empty`);
  return secrets;
};

export interface ReceiptLinkClaims {
  practiceId: string;
  receiptId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export type ReceiptTokenCheck =
  | { status: 'valid'; claims: ReceiptLinkClaims }
  /** Signed by us but past its expiry: the page says so (410) rather than "not found". */
  | { status: 'expired'; claims: ReceiptLinkClaims }
  | { status: 'invalid' };

const signature = (payload: string, secret: string): Buffer => createHmac('sha256', secret).update(`kneadpay-receipt:${payload}`).digest();

export const signReceiptToken = (claims: ReceiptLinkClaims, secret: string): string => {
  const payload = Buffer.from(JSON.stringify({ v: TOKEN_VERSION, p: claims.practiceId, r: claims.receiptId, e: claims.expiresAt })).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
};

export const verifyReceiptToken = (token: string, secrets: readonly string[], now: Date = new Date()): ReceiptTokenCheck => {
  if (token.length > MAX_TOKEN_LENGTH) return { status: 'invalid' };
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { status: 'invalid' };
  const [, payload = '', given = ''] = match;
  const givenBytes = Buffer.from(given, 'base64url');
  // One valid spelling: base64url leaves spare bits in the last character, which decoding ignores
  // (four spellings of one signature, issue 17). Only the canonical encoding is accepted.
  if (givenBytes.toString('base64url') !== given || Buffer.from(payload, 'base64url').toString('base64url') !== payload) return { status: 'invalid' };
  const signed = secrets.some((secret) => {
    const expected = signature(payload, secret);
    return expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes);
  });
  if (!signed) return { status: 'invalid' };
  let decoded: { v?: unknown; p?: unknown; r?: unknown; e?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof decoded;
  } catch {
    return { status: 'invalid' };
  }
  if (decoded.v !== TOKEN_VERSION || typeof decoded.p !== 'string' || typeof decoded.r !== 'string' || !Number.isSafeInteger(decoded.e)) {
    return { status: 'invalid' };
  }
  const claims: ReceiptLinkClaims = { practiceId: decoded.p, receiptId: decoded.r, expiresAt: decoded.e as number };
  return claims.expiresAt * 1000 <= now.getTime() ? { status: 'expired', claims } : { status: 'valid', claims };
};
