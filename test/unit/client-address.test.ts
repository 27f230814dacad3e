import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  assertThroughEdge,
  clientAddress,
  DirectAccessRefusedError,
  ORIGIN_HEADER,
  ORIGIN_SECRET_ARN_ENV,
  ORIGIN_SECRET_ENV,
  originSecrets,
  originSecretValues,
  parseViewerAddress,
  VIEWER_ADDRESS_HEADER,
} from '../../functions/shared/client-address';
import { httpHandler, json, type ApiEvent } from '../../functions/shared/http';
import { apiEvent } from '../support/receipts';

/**
 * Issue 17, the edge: behind CloudFront, API Gateway's sourceIp is an edge server. The client's
 * address is CloudFront-Viewer-Address, believed only when the request carries the origin secret
 * CloudFront adds (x-kneadpay-origin); without a secret configured (laptop, tests) nothing changes.
 */
const SECRET = 'origin-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const EDGE_SERVER = '130.176.0.10';

const event = (headers: Record<string, string>, sourceIp = EDGE_SERVER): ApiEvent => {
  const built = apiEvent('GET /p/{practiceId}', { pathParameters: { practiceId: 'p1' } });
  built.headers = { ...built.headers, ...headers };
  built.requestContext.http.sourceIp = sourceIp;
  return built;
};

describe('parseViewerAddress: CloudFront-Viewer-Address without its port', () => {
  it('strips the port of an IPv4 address', () => {
    expect(parseViewerAddress('198.51.100.7:46532')).toBe('198.51.100.7');
    expect(parseViewerAddress(' 203.0.113.9:443 ')).toBe('203.0.113.9');
  });

  it("strips the port of an IPv6 address as CloudFront writes it (no brackets: the last colon is the port's)", () => {
    expect(parseViewerAddress('2001:db8:85a3::8a2e:370:7334:46532')).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(parseViewerAddress('2001:DB8::1:443')).toBe('2001:db8::1');
    expect(parseViewerAddress('[2001:db8::1]:8080')).toBe('2001:db8::1');
  });

  it('refuses what is not an address and a port', () => {
    for (const bad of [undefined, '', '198.51.100.7', 'example.com:443', '198.51.100.7:99999', '198.51.100.7:', '198.51.100.7:443, 10.0.0.1:1', '[198.51.100.7]:443', '999.1.1.1:80']) {
      expect(parseViewerAddress(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('clientAddress: the viewer only through the edge', () => {
  it('trusted: the origin secret and a viewer address give the viewer, port stripped', () => {
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:46532' }), [SECRET])).toBe('198.51.100.7');
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET, [VIEWER_ADDRESS_HEADER]: '2001:db8::1:46532' }), [SECRET])).toBe('2001:db8::1');
  });

  it('a wrong secret: the forged viewer address is ignored, sourceIp counts', () => {
    expect(clientAddress(event({ [ORIGIN_HEADER]: `${SECRET}x`, 'CloudFront-Viewer-Address': '198.51.100.7:1' }), [SECRET])).toBe(EDGE_SERVER);
    expect(clientAddress(event({ [ORIGIN_HEADER]: '', 'CloudFront-Viewer-Address': '198.51.100.7:1' }), [SECRET])).toBe(EDGE_SERVER);
  });

  it('a missing secret: the forged viewer address is ignored, sourceIp counts', () => {
    expect(clientAddress(event({ 'CloudFront-Viewer-Address': '198.51.100.7:1' }), [SECRET])).toBe(EDGE_SERVER);
  });

  it('no secret configured (a laptop): the header is ignored whatever it says', () => {
    expect(clientAddress(event({ [ORIGIN_HEADER]: '', 'CloudFront-Viewer-Address': '198.51.100.7:1' }), [])).toBe(EDGE_SERVER);
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:1' }), [])).toBe(EDGE_SERVER);
  });

  it('the secret but a missing or malformed viewer address: sourceIp', () => {
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET }), [SECRET])).toBe(EDGE_SERVER);
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET, 'CloudFront-Viewer-Address': 'nonsense' }), [SECRET])).toBe(EDGE_SERVER);
  });

  it('during a rotation both the current and the previous secret are accepted', () => {
    const values = originSecretValues(JSON.stringify({ current: 'new-secret', previous: SECRET }));
    expect(values).toEqual(['new-secret', SECRET]);
    expect(clientAddress(event({ [ORIGIN_HEADER]: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:1' }), values)).toBe('198.51.100.7');
    expect(clientAddress(event({ [ORIGIN_HEADER]: 'new-secret', 'CloudFront-Viewer-Address': '198.51.100.8:1' }), values)).toBe('198.51.100.8');
    expect(originSecretValues(JSON.stringify({ current: 'only' }))).toEqual(['only']);
    expect(originSecretValues('plain-value')).toEqual(['plain-value']);
    expect(originSecretValues(JSON.stringify({ current: '' }))).toEqual([]);
  });
});

describe('originSecrets: where the secret comes from', () => {
  it('none configured: no secret, so nothing is refused and sourceIp counts (npm start, the tests)', async () => {
    expect(await originSecrets({})).toEqual([]);
    await expect(assertThroughEdge(event({}), {})).resolves.toBeUndefined();
  });

  it('plain in the environment (JSON or a bare value)', async () => {
    expect(await originSecrets({ [ORIGIN_SECRET_ENV]: JSON.stringify({ current: SECRET }) })).toEqual([SECRET]);
    expect(await originSecrets({ [ORIGIN_SECRET_ENV]: SECRET, [ORIGIN_SECRET_ARN_ENV]: 'ignored' })).toEqual([SECRET]);
  });
});

describe('the bypass: with an origin secret, a request without it is refused before any work', () => {
  const env = { [ORIGIN_SECRET_ENV]: JSON.stringify({ current: SECRET }) };

  it('assertThroughEdge: missing or wrong secret → 403 direct_access_refused; the right one passes', async () => {
    await expect(assertThroughEdge(event({}), env)).rejects.toBeInstanceOf(DirectAccessRefusedError);
    await expect(assertThroughEdge(event({ [ORIGIN_HEADER]: 'guess' }), env)).rejects.toMatchObject({ status: 403, code: 'direct_access_refused' });
    await expect(assertThroughEdge(event({ 'X-Kneadpay-Origin': SECRET }), env)).resolves.toBeUndefined();
  });

  it("every HTTP function (httpHandler): 403 in the API's error shape, and the core never runs", async () => {
    const previous = process.env[ORIGIN_SECRET_ENV];
    process.env[ORIGIN_SECRET_ENV] = env[ORIGIN_SECRET_ENV];
    try {
      let ran = 0;
      const handler = httpHandler('edge-test', async () => {
        ran += 1;
        return json(200, { ok: true });
      });
      const context = { awsRequestId: 'edge', functionName: 'edge-test', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
      const direct = (await handler(event({ 'CloudFront-Viewer-Address': '198.51.100.7:1' }), context)) as { statusCode: number; body: string };
      const wrong = (await handler(event({ [ORIGIN_HEADER]: 'nope' }), context)) as { statusCode: number; body: string };
      expect(ran).toBe(0);
      const through = (await handler(event({ [ORIGIN_HEADER]: SECRET }), context)) as { statusCode: number };

      expect(direct.statusCode).toBe(403);
      expect(JSON.parse(direct.body)).toEqual({
        error: { code: 'direct_access_refused', message: expect.stringMatching(/public URL/), details: { header: ORIGIN_HEADER } },
      });
      expect(wrong.statusCode).toBe(403);
      expect(through.statusCode).toBe(200);
      expect(ran).toBe(1);
    } finally {
      if (previous === undefined) delete process.env[ORIGIN_SECRET_ENV];
      else process.env[ORIGIN_SECRET_ENV] = previous;
    }
  });
});
