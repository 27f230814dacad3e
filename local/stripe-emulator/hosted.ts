/**
 * The hosted pages a Checkout Session's `url` and an Invoice's `hosted_invoice_url` point at:
 * plain, accessible HTML with the amounts and a Pay button. The test outcome is chosen on the page
 * (card that succeeds, card that is declined, bank debit that settles later) or by API clients with
 * `outcome=succeeded|failed|async` (form or JSON).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { StripeApiError } from './errors';
import { parseLooseBody, redirect, sendHtml, sendJson, wantsJson } from './http';
import { render } from './render';
import { payCheckout, settleCheckout, successUrlOf, sweepExpiredSessions } from './resources/checkout';
import { invoiceLines, payInvoice, settleInvoice } from './resources/invoices';
import { bankAccount, declinedCard, visa } from './resources/payments';
import type { Ctx, EmulatorState } from './state';

const escape = (text: unknown): string => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export const formatMoney = (amount: number, currency: string): string => {
  try {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amount / 10 ** digits);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
};

const formatDate = (seconds: number | null): string =>
  seconds === null ? '—' : new Date(seconds * 1000).toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

const STYLE = `
  :root { color-scheme: light; --ink: #1a1f36; --muted: #4f566b; --line: #d5dbe1; --accent: #3d4eac; --bad: #a41c1c; --good: #0d6b3a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
  .banner { background: #fff4d6; border-bottom: 1px solid #e8d9a8; padding: .5rem 1rem; text-align: center; font-size: .9rem; }
  main { max-width: 34rem; margin: 2rem auto; background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem 2rem 2rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
  .total { font-size: 2rem; font-weight: 700; margin: .25rem 0 1rem; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: .4rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
  td.num, th.num { text-align: right; }
  tfoot th, tfoot td { font-weight: 700; border-bottom: 0; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input[type=email], input[type=text] { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid #8792a2; border-radius: 6px; }
  fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 1.25rem 0 0; padding: .5rem 1rem 1rem; }
  legend { font-weight: 600; padding: 0 .25rem; }
  fieldset label { font-weight: 400; margin: .5rem 0 0; }
  button { margin-top: 1.5rem; width: 100%; padding: .8rem; font: inherit; font-weight: 700; color: #fff; background: var(--accent); border: 0; border-radius: 6px; cursor: pointer; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  .alert { border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
  .alert.bad { background: #fde8e8; color: var(--bad); border: 1px solid #f3b7b7; }
  .alert.good { background: #e3f6ea; color: var(--good); border: 1px solid #a8dcbb; }
  .muted { color: var(--muted); font-size: .9rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; margin: 0; }
  dt { color: var(--muted); } dd { margin: 0; }
`;

const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note"><strong>Test mode</strong> — Stripe emulator. No real money moves.</div>
<main>
${body}
</main>
</body>
</html>`;

const alert = (message: string | undefined, kind: 'bad' | 'good') => (message ? `<div class="alert ${kind}" role="${kind === 'bad' ? 'alert' : 'status'}">${escape(message)}</div>` : '');

const outcomeFieldset = (payLabel: string) => `
  <fieldset>
    <legend>Test payment method</legend>
    <label><input type="radio" name="outcome" value="succeeded" checked> Visa ending in 4242 — succeeds</label>
    <label><input type="radio" name="outcome" value="failed"> Visa ending in 0002 — declined</label>
    <label><input type="radio" name="outcome" value="async"> US bank account ending in 6789 — settles later</label>
  </fieldset>
  <button type="submit">${escape(payLabel)}</button>`;

export const checkoutPage = (state: EmulatorState, session: Stripe.Checkout.Session, message?: { text: string; kind: 'bad' | 'good' }): string => {
  const currency = session.currency ?? 'usd';
  const total = formatMoney(session.amount_total ?? 0, currency);
  const items = state.sessionLineItems.get(session.id) ?? [];
  const rows = items
    .map((item) => `<tr><td>${escape(item.description ?? 'Item')}</td><td class="num">${item.quantity ?? 1}</td><td class="num">${escape(formatMoney(item.amount_total, item.currency))}</td></tr>`)
    .join('');
  const summary = `
  <h2 id="summary">Order summary</h2>
  <table aria-labelledby="summary">
    <thead><tr><th scope="col">Item</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Amount</th></tr></thead>
    <tbody>${rows}</tbody>
    <tfoot><tr><th scope="row" colspan="2">Total due</th><td class="num" data-testid="amount-total">${escape(total)}</td></tr></tfoot>
  </table>`;
  if (session.status === 'expired') return page('Checkout expired', `<h1>This checkout has expired</h1>${summary}<p>Start again from the business's website.</p>`);
  if (session.status === 'complete') {
    const done = session.payment_status === 'paid' ? 'Payment received' : 'Payment processing';
    const next = successUrlOf(session);
    return page(
      done,
      `<h1>${done}</h1>${alert(message?.text ?? (session.payment_status === 'paid' ? 'Thank you — your payment is complete.' : 'Your bank debit is processing; you will hear back once it settles.'), 'good')}${summary}${next ? `<p><a href="${escape(next)}">Continue</a></p>` : ''}`,
    );
  }
  const email = session.customer_details?.email ?? session.customer_email ?? '';
  const body = `
  <h1>Checkout</h1>
  <p class="muted">Amount due</p>
  <p class="total">${escape(total)}</p>
  ${alert(message?.text, message?.kind ?? 'bad')}
  ${summary}
  <form method="post" action="/checkout/${escape(session.id)}/pay">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" required value="${escape(email)}">
    <label for="name">Name on card</label>
    <input id="name" name="name" type="text" autocomplete="cc-name">
    ${outcomeFieldset(`Pay ${total}`)}
  </form>
  ${session.cancel_url ? `<p><a href="${escape(session.cancel_url)}">Cancel and go back</a></p>` : ''}`;
  return page(`Pay ${total} — Checkout`, body);
};

export const invoicePage = (ctx: Ctx, invoice: Stripe.Invoice, message?: { text: string; kind: 'bad' | 'good' }): string => {
  const money = (amount: number) => formatMoney(amount, invoice.currency);
  const lines = invoiceLines(ctx, invoice);
  const rows = lines.map((line) => `<tr><td>${escape(line.description ?? 'Item')}</td><td class="num">${line.quantity ?? 1}</td><td class="num">${escape(money(line.amount))}</td></tr>`).join('');
  const title = `Invoice ${invoice.number ?? invoice.id}`;
  const details = `
  <dl>
    <dt>Invoice number</dt><dd>${escape(invoice.number ?? '—')}</dd>
    <dt>Issued</dt><dd>${escape(formatDate(invoice.status_transitions.finalized_at))}</dd>
    <dt>Due</dt><dd>${escape(formatDate(invoice.due_date))}</dd>
    <dt>Status</dt><dd data-testid="invoice-status">${escape(invoice.status)}</dd>
  </dl>
  <h2 id="lines">Items</h2>
  <table aria-labelledby="lines">
    <thead><tr><th scope="col">Description</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Amount</th></tr></thead>
    <tbody>${rows}</tbody>
    <tfoot>
      <tr><th scope="row" colspan="2">Total</th><td class="num">${escape(money(invoice.total))}</td></tr>
      <tr><th scope="row" colspan="2">Amount paid</th><td class="num">${escape(money(invoice.amount_paid))}</td></tr>
      <tr><th scope="row" colspan="2">Amount remaining</th><td class="num" data-testid="amount-remaining">${escape(money(invoice.amount_remaining))}</td></tr>
    </tfoot>
  </table>`;
  if (invoice.status === 'paid')
    return page(title, `<h1>${escape(title)}</h1>${alert(message?.text ?? 'This invoice is paid. Thank you.', 'good')}<p class="total">${escape(money(invoice.amount_paid))} paid</p>${details}`);
  if (invoice.status === 'void') return page(title, `<h1>${escape(title)}</h1><p>This invoice has been voided; nothing is owed on it.</p>${details}`);
  const payment = ctx.state.store.list('invoice_payment', ctx.account, (p) => p.invoice === invoice.id && p.status === 'open')[0];
  const intentId = payment && typeof payment.payment.payment_intent === 'string' ? payment.payment.payment_intent : null;
  const processing = intentId ? ctx.state.store.get('payment_intent', intentId, ctx.account)?.status === 'processing' : false;
  if (processing) return page(title, `<h1>${escape(title)}</h1>${alert(message?.text ?? 'A bank debit for this invoice is processing.', 'good')}${details}`);
  const due = money(invoice.amount_remaining);
  const body = `
  <h1>${escape(title)}</h1>
  <p class="muted">Amount due</p>
  <p class="total">${escape(due)}</p>
  ${alert(message?.text, message?.kind ?? 'bad')}
  ${details}
  <form method="post" action="/invoice/${escape(invoice.id)}/pay">
    ${outcomeFieldset(`Pay ${due}`)}
  </form>`;
  return page(`Pay ${due} — ${title}`, body);
};

const creditNotePage = (note: Stripe.CreditNote): string =>
  page(
    `Credit note ${note.number}`,
    `<h1>Credit note ${escape(note.number)}</h1>
  <dl>
    <dt>Invoice</dt><dd>${escape(note.invoice)}</dd>
    <dt>Amount</dt><dd>${escape(formatMoney(note.amount, note.currency))}</dd>
    <dt>Status</dt><dd>${escape(note.status)}</dd>
    <dt>Type</dt><dd>${escape(note.type)}</dd>
  </dl>`,
  );

const notFound = (res: ServerResponse, json: boolean, what: string) =>
  json
    ? sendJson(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` } })
    : sendHtml(res, 404, page('Not found', `<h1>Not found</h1><p>No such ${escape(what)}.</p>`));

const outcomeOf = (body: Record<string, unknown>, allowed: readonly string[], fallback: string): string | undefined => {
  const value = body.outcome ?? fallback;
  return typeof value === 'string' && allowed.includes(value) ? value : undefined;
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Handles `/checkout/…`, `/invoice/…` and `/credit_note/…`; returns false when the path is not one of them. */
export const handleHosted = async (state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, rawBody: string): Promise<boolean> => {
  const match = /^\/(checkout|invoice|credit_note)\/([^/]+)(?:\/(pay|settle))?\/?$/.exec(path);
  if (!match) return false;
  const [, kind, id = '', action] = match;
  const method = req.method ?? 'GET';
  const json = wantsJson(req);
  if ((action && method !== 'POST') || (!action && method !== 'GET')) {
    sendJson(res, 405, { error: { type: 'invalid_request_error', message: `${method} is not allowed on ${path}` } }, { allow: action ? 'POST' : 'GET' });
    return true;
  }
  let body: Record<string, unknown> = {};
  try {
    body = action ? (parseLooseBody(req, rawBody) as Record<string, unknown>) : {};
  } catch (error) {
    sendJson(res, 400, { error: { type: 'invalid_request_error', message: `Could not parse the body: ${(error as Error).message}` } });
    return true;
  }
  sweepExpiredSessions(state);

  if (kind === 'credit_note') {
    const found = state.store.locate('credit_note', id);
    if (!found) notFound(res, json, 'credit note');
    else if (json) sendJson(res, 200, found.object);
    else sendHtml(res, 200, creditNotePage(found.object));
    return true;
  }

  if (kind === 'checkout') {
    const found = state.store.locate('checkout.session', id);
    if (!found) {
      notFound(res, json, 'checkout session');
      return true;
    }
    const ctx: Ctx = { state, account: found.account, request: { id: null, idempotency_key: null } };
    const session = found.object;
    if (!action) {
      if (json) sendJson(res, 200, render(ctx, session, ['line_items']));
      else sendHtml(res, 200, checkoutPage(state, session));
      return true;
    }
    try {
      if (action === 'settle') {
        const outcome = outcomeOf(body, ['succeeded', 'failed'], 'succeeded');
        if (!outcome) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'outcome must be succeeded or failed', param: 'outcome' });
        settleCheckout(ctx, session, outcome === 'succeeded');
        if (json) sendJson(res, 200, { status: session.payment_status === 'paid' ? 'paid' : 'failed', session: render(ctx, session) });
        else sendHtml(res, 200, checkoutPage(state, session, { text: outcome === 'succeeded' ? 'The bank debit settled.' : 'The bank debit failed.', kind: outcome === 'succeeded' ? 'good' : 'bad' }));
        return true;
      }
      const outcome = outcomeOf(body, ['succeeded', 'failed', 'async'], 'succeeded');
      if (!outcome) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'outcome must be succeeded, failed or async', param: 'outcome' });
      const method = outcome === 'succeeded' ? visa() : outcome === 'failed' ? declinedCard() : bankAccount();
      const email = text(body.email);
      const name = text(body.name);
      const result = payCheckout(ctx, session, method, { ...(email ? { email } : {}), ...(name ? { name } : {}) });
      if (json) {
        sendJson(res, result.status === 'declined' ? 402 : 200, {
          status: result.status,
          message: result.message,
          redirectUrl: result.redirectUrl,
          session: render(ctx, session),
        });
      } else if (result.status === 'declined') {
        sendHtml(res, 402, checkoutPage(state, session, { text: result.message, kind: 'bad' }));
      } else if (result.redirectUrl) {
        redirect(res, result.redirectUrl);
      } else {
        sendHtml(res, 200, checkoutPage(state, session));
      }
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      if (json) sendJson(res, error.status, { error: error.body });
      else sendHtml(res, error.status, checkoutPage(state, session, { text: error.body.message, kind: 'bad' }));
    }
    return true;
  }

  const found = state.store.locate('invoice', id);
  if (!found || found.object.status === 'draft') {
    notFound(res, json, 'finalized invoice');
    return true;
  }
  const ctx: Ctx = { state, account: found.account, request: { id: null, idempotency_key: null } };
  const invoice = found.object;
  if (!action) {
    if (json) sendJson(res, 200, render(ctx, invoice));
    else sendHtml(res, 200, invoicePage(ctx, invoice));
    return true;
  }
  try {
    if (action === 'settle') {
      const outcome = outcomeOf(body, ['succeeded', 'failed'], 'succeeded');
      if (!outcome) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'outcome must be succeeded or failed', param: 'outcome' });
      settleInvoice(ctx, invoice, outcome === 'succeeded');
      if (json) sendJson(res, 200, { status: invoice.status === 'paid' ? 'paid' : 'failed', invoice: render(ctx, invoice) });
      else redirect(res, `/invoice/${invoice.id}`);
      return true;
    }
    const outcome = outcomeOf(body, ['succeeded', 'failed', 'async'], 'succeeded');
    if (!outcome) throw new StripeApiError(400, { type: 'invalid_request_error', message: 'outcome must be succeeded, failed or async', param: 'outcome' });
    const method = outcome === 'succeeded' ? visa() : outcome === 'failed' ? declinedCard() : bankAccount();
    const result = payInvoice(ctx, invoice, method);
    if (json) sendJson(res, result.status === 'declined' ? 402 : 200, { status: result.status, message: result.message, invoice: render(ctx, invoice) });
    else if (result.status === 'declined') sendHtml(res, 402, invoicePage(ctx, invoice, { text: result.message, kind: 'bad' }));
    else redirect(res, `/invoice/${invoice.id}`);
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    if (json) sendJson(res, error.status, { error: error.body });
    else sendHtml(res, error.status, invoicePage(ctx, invoice, { text: error.body.message, kind: 'bad' }));
  }
  return true;
};
