import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CONFIG_ENV, config } from './shared/config';
import { NotFoundError } from './shared/errors';
import { dispatchRoutes, header, httpHandler, type ApiEvent, type ApiResult, type RouteHandler } from './shared/http';

/**
 * The staff web app (docs/app.md, docs/decisions/008-web-app-stack.md): `GET /app` (and `/app/`)
 * answers the page shell, `GET /app/{asset+}` its two static files. The page is same-origin with
 * the API, so the strict CSP below needs no CORS and no third-party origin — except Cognito's
 * hosted sign-in when it is configured (its token endpoint is called by the page).
 *
 * Marker for the CDK bundling hook (lib/constructs/KneadpayFunction.ts): kneadpay-web-app-assets.
 */
export const WEB_APP_MARKER = 'kneadpay-web-app-assets';

/** Cognito hosted sign-in, set by the stack when the web client is configured; absent locally. */
export const WEB_ENV = {
  cognitoDomain: CONFIG_ENV.cognitoDomain,
  cognitoClientId: CONFIG_ENV.cognitoClientId,
  webDir: CONFIG_ENV.webDir,
} as const;

const here = dirname(fileURLToPath(import.meta.url));
/** Where the built files are: an explicit dir, next to the Lambda bundle (`web/`), or the repo's web/dist. */
const webDir = (): string => {
  const candidates = [config().webDir, join(here, 'web'), join(here, '..', 'web', 'dist')].filter((dir): dir is string => Boolean(dir));
  return candidates.find((dir) => existsSync(join(dir, 'app.js'))) ?? candidates[candidates.length - 1]!;
};

const ASSETS = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' } as const;
type AssetName = keyof typeof ASSETS;

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}
const cache = new Map<string, Asset>();
/** Files are read and compressed once per container (a warm Lambda); locally the stack rebuilds on start. */
const asset = (name: AssetName): Asset => {
  const dir = webDir();
  const key = `${dir}/${name}`;
  let found = cache.get(key);
  if (!found) {
    const file = join(dir, name);
    if (!existsSync(file)) throw new NotFoundError(`web app asset ${name} (build it: npx tsx web/build.ts)`);
    const body = readFileSync(file);
    found = { type: ASSETS[name], body, gzip: gzipSync(body, { level: 9 }) };
    if (!config().webNoCache) cache.set(key, found);
  }
  return found;
};

const cognito = () => {
  const { cognitoDomain: domain, cognitoClientId: clientId } = config();
  return domain && clientId ? { domain: domain.replace(/\/+$/, ''), clientId } : undefined;
};

/** The CSP every answer of the app carries: no inline script or style, nothing from elsewhere. */
export const webAppSecurityHeaders = (cognitoDomain?: string): Record<string, string> => ({
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${cognitoDomain ? ` ${cognitoDomain}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

const attr = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page shell: no inline script or style; the sign-in mode travels in meta tags. */
export const renderShell = (config: { auth: 'local' | 'cognito'; cognitoDomain?: string; cognitoClientId?: string }): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="kneadpay-auth" content="${attr(config.auth)}">
${config.cognitoDomain ? `<meta name="kneadpay-cognito-domain" content="${attr(config.cognitoDomain)}">\n<meta name="kneadpay-cognito-client-id" content="${attr(config.cognitoClientId ?? '')}">\n` : ''}<title>kneadpay — front desk</title>
<link rel="stylesheet" href="/app/app.css">
<script type="module" src="/app/app.js"></script>
</head>
<body>
<noscript><p>The kneadpay front desk needs JavaScript.</p></noscript>
<div id="root"></div>
</body>
</html>
`;

const accepts = (event: ApiEvent, encoding: string) =>
  (header(event, 'accept-encoding') ?? '')
    .toLowerCase()
    .split(',')
    .some((part) => part.trim().split(';')[0] === encoding);

/** The page shell, under the app's CSP. */
const shellAnswer = (): ApiResult => {
  const signIn = cognito();
  const security = webAppSecurityHeaders(signIn?.domain);
  const shell = renderShell(signIn ? { auth: 'cognito', cognitoDomain: signIn.domain, cognitoClientId: signIn.clientId } : { auth: 'local' });
  return { statusCode: 200, headers: { ...security, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, body: shell };
};

/** GET /app (and /app/, which API Gateway routes to it) and /app/{asset+}: the shell, app.js, app.css; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  appShell: async () => shellAnswer(),
  appAsset: async (event) => {
    const assetPath = event.pathParameters?.asset;
    if (assetPath === undefined || assetPath === '' || assetPath === 'index.html') return shellAnswer();
    if (!Object.hasOwn(ASSETS, assetPath)) throw new NotFoundError(`web app file ${assetPath.slice(0, 64)}`);
    const file = asset(assetPath as AssetName);
    // Not hashed names: revalidate each load (ETag-less; the files are small and compressed).
    const common = { ...webAppSecurityHeaders(cognito()?.domain), 'content-type': file.type, 'cache-control': 'no-cache', vary: 'accept-encoding' };
    if (accepts(event, 'gzip')) {
      return { statusCode: 200, headers: { ...common, 'content-encoding': 'gzip' }, body: file.gzip.toString('base64'), isBase64Encoded: true };
    }
    return { statusCode: 200, headers: common, body: file.body.toString('base64'), isBase64Encoded: true };
  },
} satisfies Record<string, RouteHandler>;

export const serveWebApp = dispatchRoutes('web-app', routeHandlers);

export const handler = httpHandler('web-app', serveWebApp);
