import { cms1500For } from './core/cms1500';
import { MethodNotAllowed } from './shared/errors';
import { authorizedPractice, httpHandler, pathParam, type ApiEvent, type ApiResult } from './shared/http';
import { renderCms1500Pdf } from './shared/cms1500-pdf';
import { getStore } from './store/client';

/** GET /practices/{p}/claims/{claimId}/cms1500: the claim as a CMS-1500 (02/12) PDF (pdfkit). */
export const claimFormsCore = async (event: ApiEvent): Promise<ApiResult> => {
  const practiceId = authorizedPractice(event);
  const method = event.requestContext.http.method;
  if (method !== 'GET') throw new MethodNotAllowed(method);
  const form = await cms1500For(getStore(), practiceId, pathParam(event, 'claimId'));
  const pdf = await renderCms1500Pdf(form);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="cms1500-${form.claimId}.pdf"`, 'cache-control': 'no-store' },
    body: pdf.toString('base64'),
    isBase64Encoded: true,
  };
};

export const handler = httpHandler('claim-forms', claimFormsCore);
