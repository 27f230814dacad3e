import { defaultReceiptLinkDeps, openReceiptLink, type ReceiptLinkDeps } from './core/receipt-links';
import { ValidationError } from './shared/errors';
import { dispatchRoutes, html, httpHandler, pathParam, queryParam, type ApiEvent, type ApiResult, type RouteHandler } from './shared/http';
import { renderReceiptPdf } from './shared/receipt-pdf';
import { securityHeaders } from './shared/security-headers';
import { renderReceiptLinkProblem, renderReceiptPage } from './shared/receipt-render';

/**
 * The link is the credential: keep the page out of caches, indexes and Referer headers, and let
 * it run nothing (the page has no scripts; inline styles only).
 */
const PRIVATE_PAGE_HEADERS = {
  ...securityHeaders({ referrer: 'no-referrer', formAction: ["'none'"] }),
  'cache-control': 'private, no-store',
  'x-robots-tag': 'noindex, nofollow',
} as const;

/** GET /r/{token} (public): the receipt page; `?format=pdf` the same receipt as a PDF. */
export const serveReceiptPage = async (event: ApiEvent, deps: ReceiptLinkDeps = defaultReceiptLinkDeps()): Promise<ApiResult> => {
  const format = queryParam(event, 'format') ?? 'html';
  if (format !== 'html' && format !== 'pdf') throw new ValidationError('format must be html or pdf', { field: 'format' });
  const opened = await openReceiptLink(deps, pathParam(event, 'token'));
  if (opened.status === 'invalid') return html(404, renderReceiptLinkProblem('invalid'), PRIVATE_PAGE_HEADERS);
  if (opened.status === 'expired') return html(410, renderReceiptLinkProblem('expired', opened.practice), PRIVATE_PAGE_HEADERS);
  const { document } = opened.receipt;
  if (format === 'pdf') {
    const pdf = await renderReceiptPdf(document);
    return {
      statusCode: 200,
      headers: {
        ...PRIVATE_PAGE_HEADERS,
        'content-type': 'application/pdf',
        'content-disposition': `inline; filename="receipt-${document.number}.pdf"`,
      },
      body: pdf.toString('base64'),
      isBase64Encoded: true,
    };
  }
  return html(200, renderReceiptPage(document, { pdfHref: '?format=pdf' }), PRIVATE_PAGE_HEADERS);
};

/** lib/wiring.ts names the route's handler. */
export const routeHandlers = { receiptPage: (event) => serveReceiptPage(event) } satisfies Record<string, RouteHandler>;

export const handler = httpHandler('receipt-page', dispatchRoutes('receipt-page', routeHandlers));
