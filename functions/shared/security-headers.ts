import { createHash } from 'node:crypto';

/**
 * The one place kneadpay's HTML responses get their security headers (issue 17, finding 7): a strict
 * Content-Security-Policy — no script unless it comes from our own origin or its hash is listed, never
 * inline event handlers or `eval`, no plugins, no `<base>`, and no framing (`frame-ancestors 'none'`,
 * with `X-Frame-Options: DENY` for old browsers) — plus `Referrer-Policy` and `X-Content-Type-Options`.
 * `html()` in shared/http.ts applies the default to every page; a page that needs more (the
 * storefront's form goes on to Stripe Checkout; the staff web app, whose stricter policy — no inline style either — is `webAppSecurityHeaders` in functions/web-app.ts) asks for it.
 *
 * Styles: the pages carry their own `<style>` block and a few `style` attributes (emails share the
 * renderer), which CSP hashes cannot cover without `'unsafe-hashes'`; `style-src 'unsafe-inline'`
 * lets CSS in, never script. Scripts are where XSS runs, and those stay strict.
 */
export interface PagePolicy {
  /**
   * Where scripts may come from: `'self'` for a page that loads its own script files (the staff web
   * app), plus `'sha256-…'` hashes (scriptHash) of inline scripts. Default: none at all.
   */
  scriptSrc?: string[];
  /** Where the page's forms may post, and any redirect they follow may lead. Default: `'none'`. */
  formAction?: string[];
  /** Where the page may fetch() or open sockets. Default: `'none'`, or `'self'` when scripts load. */
  connectSrc?: string[];
  /** Default `no-referrer`: a link (a receipt token, a session id) never leaves in a Referer header. */
  referrer?: 'no-referrer' | 'same-origin' | 'strict-origin-when-cross-origin';
}

/** The `'sha256-…'` source of an inline script (its exact text between the tags). */
export const scriptHash = (source: string): string => `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;

export const contentSecurityPolicy = (policy: PagePolicy = {}): string => {
  const scripts = policy.scriptSrc?.length ? policy.scriptSrc : ["'none'"];
  const loadsScripts = scripts.some((source) => source !== "'none'");
  const connect = policy.connectSrc?.length ? policy.connectSrc : [loadsScripts ? "'self'" : "'none'"];
  return [
    // Nothing by default for a page without scripts; its own origin for one that loads them.
    `default-src ${loadsScripts ? "'self'" : "'none'"}`,
    `script-src ${scripts.join(' ')}`,
    "script-src-attr 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${(policy.formAction?.length ? policy.formAction : ["'none'"]).join(' ')}`,
    "frame-ancestors 'none'",
  ].join('; ');
};

/** The headers every kneadpay HTML response carries. */
export const securityHeaders = (policy: PagePolicy = {}): Record<string, string> => ({
  'content-security-policy': contentSecurityPolicy(policy),
  'referrer-policy': policy.referrer ?? 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});
