/**
 * Sign-in in AWS: Cognito's hosted sign-in with the authorization code flow and PKCE (RFC 7636).
 *
 * The hosted page opens in a small window so this page, its memory (the PKCE verifier, the
 * session) and whatever was being typed stay where they are. The window comes back to `/app/`
 * with `?code&state`, hands them to this page by `postMessage` (same origin only) and closes. This
 * page exchanges the code with the verifier it kept in memory; the tokens never touch a URL or
 * storage. Not exercised in this repository's tests (no Cognito on a laptop): docs/app.md.
 */
import type { Session } from './session';
import { readJwt } from './session';

export interface CognitoConfig {
  /** `https://<prefix>.auth.<region>.amazoncognito.com` */
  domain: string;
  clientId: string;
}

const MESSAGE = 'kneadpay-sign-in';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomString = (bytes = 32) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

export const pkcePair = async (): Promise<{ verifier: string; challenge: string }> => {
  const verifier = randomString(48);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
};

const redirectUri = () => `${location.origin}/app/`;

/** In the sign-in window, back from Cognito: pass the code to the opener and close. True when it did. */
export const finishInPopup = (): boolean => {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const state = params.get('state');
  if (!code || !state || !window.opener) return false;
  (window.opener as Window).postMessage({ type: MESSAGE, code, state }, location.origin);
  history.replaceState(null, '', location.pathname);
  window.close();
  return true;
};

export const signInWithCognito = async (config: CognitoConfig): Promise<Session> => {
  const { verifier, challenge } = await pkcePair();
  const state = randomString(16);
  const authorize = new URL('/oauth2/authorize', config.domain);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const popup = window.open(authorize.href, MESSAGE, 'popup,width=480,height=680');
  if (!popup) throw new Error('The sign-in window was blocked: allow pop-ups for this page and try again.');
  const code = await new Promise<string>((resolve, reject) => {
    const closed = setInterval(() => {
      if (popup.closed) finish(() => reject(new Error('The sign-in window was closed before signing in.')));
    }, 500);
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: string; code?: string; state?: string };
      if (event.origin !== location.origin || data?.type !== MESSAGE) return;
      if (data.state !== state || typeof data.code !== 'string') return finish(() => reject(new Error('The sign-in answer did not match this request; try again.')));
      finish(() => resolve(data.code!));
    };
    const finish = (then: () => void) => {
      clearInterval(closed);
      window.removeEventListener('message', onMessage);
      then();
    };
    window.addEventListener('message', onMessage);
  });
  const answer = await fetch(new URL('/oauth2/token', config.domain).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code, redirect_uri: redirectUri(), code_verifier: verifier }),
  });
  if (!answer.ok) throw new Error(`Cognito refused the sign-in (${answer.status}); try again.`);
  // The API's authorizer takes the ID token: it carries custom:practiceId (lib/constructs/PracticeUserPool.ts).
  const tokens = (await answer.json()) as { id_token?: string };
  const claims = tokens.id_token ? readJwt(tokens.id_token) : {};
  if (!tokens.id_token || !claims.practiceId) throw new Error('This user is not assigned to a practice; ask an administrator.');
  return { practiceId: claims.practiceId, token: tokens.id_token, expiresAt: claims.expiresAt ?? Date.now() + 3600_000 };
};
