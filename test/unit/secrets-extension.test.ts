import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ORIGIN_SECRET_ARN_ENV, originSecrets } from '../../functions/shared/client-address';
import { isTransient } from '../../functions/shared/http';
import { readRotatingSecret, readSecret, SECRETS_EXTENSION } from '../../functions/shared/secrets';

/**
 * Deployed functions read secrets through the AWS Parameters and Secrets Lambda Extension, a local
 * HTTP server the extension layer runs inside the Lambda execution environment. It cannot run off
 * Lambda, so a stand-in answers here, on localhost as the extension does, the way the Lambda
 * Developer Guide documents it: `GET /secretsmanager/get?secretId=<id>`, the caller's session token
 * in `X-Aws-Parameters-Secrets-Token` (refused without it), GetSecretValue's JSON as the answer.
 */
const SESSION_TOKEN = 'session-token-of-this-execution-environment';
const secrets = new Map<string, string>();
let failWith: number | undefined;
const seen: { secretId: string | null; token: string | undefined }[] = [];
let server: Server;
let env: NodeJS.ProcessEnv;

const answer = (request: IncomingMessage) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const token = request.headers[SECRETS_EXTENSION.tokenHeader.toLowerCase()] as string | undefined;
  seen.push({ secretId: url.searchParams.get('secretId'), token });
  if (token !== SESSION_TOKEN) return { status: 401, body: { message: 'missing or invalid token' } };
  if (failWith) return { status: failWith, body: { message: 'failed' } };
  const value = secrets.get(url.searchParams.get('secretId') ?? '');
  if (url.pathname !== '/secretsmanager/get' || value === undefined) return { status: 400, body: { __type: 'ResourceNotFoundException' } };
  return { status: 200, body: { ARN: url.searchParams.get('secretId'), Name: 'x', SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] } };
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const { status, body } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  env = { [SECRETS_EXTENSION.portEnv]: String((server.address() as AddressInfo).port), AWS_SESSION_TOKEN: SESSION_TOKEN };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  failWith = undefined;
});

let arnCount = 0;
/** A fresh ARN per test: readSecret keeps a value per ARN for the container's life. */
const newSecret = (value: string) => {
  const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:kneadpay/test-${(arnCount += 1)}-AbCdEf`;
  secrets.set(arn, value);
  return arn;
};

describe('secrets through the Parameters and Secrets extension', () => {
  it('reads a secret by the ARN in <name>_ARN, with the session token, once per container', async () => {
    const arn = newSecret('  sk_test_from_secrets_manager \n');

    const first = await readSecret('STRIPE_SECRET_KEY', { ...env, STRIPE_SECRET_KEY_ARN: arn });
    const again = await readSecret('STRIPE_SECRET_KEY', { ...env, STRIPE_SECRET_KEY_ARN: arn });

    expect([first, again]).toEqual(['sk_test_from_secrets_manager', 'sk_test_from_secrets_manager']);
    expect(seen).toEqual([{ secretId: arn, token: SESSION_TOKEN }]);
  });

  it('prefers the plain variable (laptop, tests) and never calls the extension then', async () => {
    expect(await readSecret('STRIPE_SECRET_KEY', { ...env, STRIPE_SECRET_KEY: 'sk_plain', STRIPE_SECRET_KEY_ARN: newSecret('unused') })).toBe('sk_plain');
    expect(seen).toEqual([]);
  });

  it('a failing extension is a retryable error (503 at the edge), and the next call asks again', async () => {
    const arn = newSecret('whsec_after_the_failure');
    failWith = 502;

    const failure = await readSecret('STRIPE_WEBHOOK_SECRET', { ...env, STRIPE_WEBHOOK_SECRET_ARN: arn }).catch((error: unknown) => error);
    failWith = undefined;
    const recovered = await readSecret('STRIPE_WEBHOOK_SECRET', { ...env, STRIPE_WEBHOOK_SECRET_ARN: arn });

    expect((failure as Error).message).toBe('the secrets extension answered 502 for STRIPE_WEBHOOK_SECRET_ARN');
    expect(isTransient(failure)).toBe(true);
    expect(recovered).toBe('whsec_after_the_failure');
    expect(seen).toHaveLength(2);
  });

  it('a secret the role may not read (4xx) is not retryable; no extension at all is (a network error)', async () => {
    const refused = await readSecret('KNEADPAY_RECEIPT_SECRET', { ...env, KNEADPAY_RECEIPT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing' }).catch(
      (error: unknown) => error,
    );
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, 'localhost', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const noExtension = await readSecret('KNEADPAY_RECEIPT_SECRET', {
      [SECRETS_EXTENSION.portEnv]: String(closedPort),
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      KNEADPAY_RECEIPT_SECRET_ARN: newSecret('x'),
    }).catch((error: unknown) => error);

    expect((refused as Error).message).toBe('the secrets extension answered 400 for KNEADPAY_RECEIPT_SECRET_ARN');
    expect(isTransient(refused)).toBe(false);
    expect(noExtension).toBeInstanceOf(Error);
    expect(isTransient(noExtension)).toBe(true);
  });

  it('re-reads a rotating secret once its time has passed, and the origin secret parses both values', async () => {
    const arn = newSecret(JSON.stringify({ current: 'new-origin-value', previous: 'old-origin-value' }));
    const originEnv = { ...env, [ORIGIN_SECRET_ARN_ENV]: arn };

    const first = await originSecrets(originEnv, 1_000_000);
    const cached = await originSecrets(originEnv, 1_000_000 + 60_000);
    secrets.set(arn, JSON.stringify({ current: 'new-origin-value' }));
    const afterTtl = await originSecrets(originEnv, 1_000_000 + 10 * 60_000);

    expect(first).toEqual(['new-origin-value', 'old-origin-value']);
    expect(cached).toEqual(first);
    expect(afterTtl).toEqual(['new-origin-value']);
    expect(seen.map((request) => request.secretId)).toEqual([arn, arn]);
  });

  it('a rotating secret holding no value is an error, not an empty list (which would switch the check off)', async () => {
    const arn = newSecret('{}');
    await expect(readRotatingSecret('KNEADPAY_ORIGIN_SECRET', () => [], 1000, { ...env, KNEADPAY_ORIGIN_SECRET_ARN: arn })).rejects.toThrow('secret KNEADPAY_ORIGIN_SECRET_ARN holds no value');
  });
});
