import { claimView, createClaim } from './core/claims';
import { releaseBalanceHold } from './core/invoicing/release';
import { authorizedPractice, dispatchRoutes, httpHandler, json, jsonBody, pathParam, type RouteHandler } from './shared/http';
import { getStore } from './store/table';

/** POST /practices/{p}/claims, GET /practices/{p}/claims/{claimId}, POST …/claims/{claimId}/bill-patient; lib/wiring.ts names each route's handler. */
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
  /**
   * POST …/claims/{claimId}/bill-patient: "bill the patient now" — the claim's balance stops waiting
   * for a payer (docs/decisions/015-balance-holds.md), audited, once; the balance invoicer bills it
   * (PatientBalanceReleased). 202 the first time, 200 with the same release after; 409
   * `no_balance_hold` when nothing waits. Who: the token's subject (the practice id for a local token without one).
   */
  billPatientNow: async (event) => {
    const practiceId = authorizedPractice(event);
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    const actor = typeof claims.sub === 'string' ? claims.sub : practiceId;
    const claimId = pathParam(event, 'claimId');
    const { released, release } = await releaseBalanceHold({ store: getStore() }, practiceId, claimId, { releasedBy: 'staff', actor }, new Date());
    return json(released ? 202 : 200, { claimId, balanceRelease: release });
  },
} satisfies Record<string, RouteHandler>;

export const serveClaims = dispatchRoutes('claims', routeHandlers);

export const handler = httpHandler('claims', serveClaims);
