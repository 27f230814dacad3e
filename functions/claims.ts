import { claimView, createClaim } from './core/claims';
import { MethodNotAllowed } from './shared/errors';
import { authorizedPractice, httpHandler, json, jsonBody, pathParam, type ApiEvent } from './shared/http';
import { getStore } from './store/client';

/** POST /practices/{p}/claims and GET /practices/{p}/claims/{claimId}. */
export const claimsCore = async (event: ApiEvent) => {
  const practiceId = authorizedPractice(event);
  const store = getStore();
  const method = event.requestContext.http.method;
  if (method === 'POST') {
    const { created, claim } = await createClaim(store, practiceId, jsonBody(event));
    return json(created ? 201 : 200, claim);
  }
  if (method === 'GET') return json(200, await claimView(store, practiceId, pathParam(event, 'claimId')));
  throw new MethodNotAllowed(method);
};

export const handler = httpHandler('claims', claimsCore);
