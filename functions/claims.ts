import { claimView, createClaim } from './core/claims';
import { authorizedPractice, dispatchRoutes, httpHandler, json, jsonBody, pathParam, type RouteHandler } from './shared/http';
import { getStore } from './store/table';

/** POST /practices/{p}/claims and GET /practices/{p}/claims/{claimId}; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  registerClaim: async (event) => {
    const practiceId = authorizedPractice(event);
    const { created, claim } = await createClaim(getStore(), practiceId, jsonBody(event));
    return json(created ? 201 : 200, claim);
  },
  getClaim: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, await claimView(getStore(), practiceId, pathParam(event, 'claimId')));
  },
} satisfies Record<string, RouteHandler>;

export const serveClaims = dispatchRoutes('claims', routeHandlers);

export const handler = httpHandler('claims', serveClaims);
