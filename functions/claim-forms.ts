import { cms1500For } from './core/cms1500';
import { authorizedPractice, dispatchRoutes, httpHandler, pathParam, type RouteHandler } from './shared/http';
import { renderCms1500Pdf } from './shared/cms1500-pdf';
import { getStore } from './store/table';

/** GET /practices/{p}/claims/{claimId}/cms1500: the claim as a CMS-1500 (02/12) PDF (pdfkit). */
const cms1500Pdf: RouteHandler = async (event) => {
  const practiceId = authorizedPractice(event);
  const form = await cms1500For(getStore(), practiceId, pathParam(event, 'claimId'));
  const pdf = await renderCms1500Pdf(form);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="cms1500-${form.claimId}.pdf"`, 'cache-control': 'no-store' },
    body: pdf.toString('base64'),
    isBase64Encoded: true,
  };
};

/** lib/wiring.ts names the route's handler. */
export const routeHandlers = { cms1500Pdf } satisfies Record<string, RouteHandler>;

export const serveClaimForms = dispatchRoutes('claim-forms', routeHandlers);

export const handler = httpHandler('claim-forms', serveClaimForms);
