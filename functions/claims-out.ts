import { applyAcknowledgement, batchOrNotFound, batchSummary, createBatch, registerCoverage, registerPayer } from './core/claims-out';
import { CLAIM_STATES } from './domain/claim-state';
import { NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './shared/errors';
import { authorizedPractice, dispatchRoutes, header, httpHandler, json, jsonBody, pathParam, cursorParam, queryParam, rawBody, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { getCoverage, listClaims, listPayers } from './store/claims-out';
import { getClient } from './store/clients';

const X12_TYPES = /^(text\/plain|application\/edi-x12|application\/x12|application\/edi)\b/i;
/** Acknowledgement files are small (a 277CA line per claim): 2 MB is far above any real one. */
export const MAX_ACK_BYTES = 2 * 1024 * 1024;

/**
 * Claims out (SPEC §7): payers, coverage, 837P batches, 999/277CA acknowledgements, and the
 * claim list by state (rejected claims with what to fix). The CMS-1500 PDF is `claim-forms.ts`
 * (pdfkit stays out of this bundle). lib/wiring.ts names each route's handler.
 */
export const routeHandlers = {
  /** PUT /practices/{p}/payers/{payerId} */
  putPayer: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, await registerPayer(getStore(), practiceId, pathParam(event, 'payerId'), jsonBody(event)));
  },
  /** GET /practices/{p}/payers: the saved payers, by payer id, paged (`?cursor=`). */
  listPayers: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, await listPayers(getStore(), practiceId, cursorParam(event)));
  },
  /** GET /practices/{p}/clients/{c}/coverage: the coverage as PUT answered it; 404 for an unknown client or none saved. PHI: never logged. */
  getCoverage: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const clientId = pathParam(event, 'clientId');
    await getClient(store, practiceId, clientId);
    const saved = await getCoverage(store, practiceId, clientId);
    if (!saved) throw new NotFoundError('coverage', 'no coverage is saved for this client');
    const { practiceId: _p, updatedAt: _u, ...coverage } = saved;
    return json(200, coverage);
  },
  /** PUT /practices/{p}/clients/{c}/coverage */
  putCoverage: async (event) => {
    const practiceId = authorizedPractice(event);
    const { practiceId: _p, updatedAt: _u, ...coverage } = await registerCoverage(getStore(), practiceId, pathParam(event, 'clientId'), jsonBody(event));
    return json(200, coverage);
  },
  /** POST /practices/{p}/claim-batches: 201 a new batch, 200 the same request again. */
  createBatch: async (event) => {
    const practiceId = authorizedPractice(event);
    const { created, batch } = await createBatch(getStore(), practiceId, jsonBody(event));
    return json(created ? 201 : 200, batch);
  },
  /** GET /practices/{p}/claim-batches/{batchId}: the 837P file for `Accept: application/edi-x12`, else a JSON summary. */
  getBatch: async (event) => {
    const practiceId = authorizedPractice(event);
    const batch = await batchOrNotFound(getStore(), practiceId, pathParam(event, 'batchId'));
    if (/application\/(edi-x12|x12)/i.test(header(event, 'accept') ?? '')) {
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/edi-x12', 'content-disposition': `attachment; filename="${batch.batchId}.837"`, 'cache-control': 'no-store' },
        body: batch.x12,
      };
    }
    return json(200, batchSummary(batch));
  },
  /** GET /practices/{p}/claims?state=: claims by state, rejected ones with what to fix. */
  listClaims: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const state = queryParam(event, 'state');
    if (state !== undefined && !CLAIM_STATES.includes(state as never)) {
      throw new ValidationError(`state must be one of ${CLAIM_STATES.join(', ')}`, { field: 'state' });
    }
    const page = await listClaims(store, practiceId, { state, cursor: cursorParam(event) });
    return json(200, {
      items: page.items.map((c) => ({
        claimId: c.claimId,
        clientId: c.clientId,
        state: c.state ?? 'submitted',
        status: c.status,
        payerId: c.payerId ?? null,
        dateOfService: c.dateOfService,
        chargeCents: c.chargeCents,
        batchId: c.batchId ?? null,
        problems: c.problems ?? [],
        ...(c.state === 'rejected' ? { rejection: c.acknowledgement ?? null } : {}),
      })),
      nextCursor: page.nextCursor,
    });
  },
  /** POST /practices/{p}/acknowledgements: a raw 999 or 277CA. */
  receiveAcknowledgement: async (event) => {
    const practiceId = authorizedPractice(event);
    const store = getStore();
    const type = header(event, 'content-type') ?? '';
    if (!X12_TYPES.test(type)) throw new UnsupportedMediaTypeError(`send the 999 or 277CA as text/plain or application/edi-x12, not ${type || 'nothing'}`);
    const bytes = rawBody(event);
    if (bytes.length > MAX_ACK_BYTES) throw new PayloadTooLargeError(`the file is ${bytes.length} bytes; the limit is ${MAX_ACK_BYTES}`);
    if (bytes.length === 0) throw new ValidationError('the body is empty; send the 999 or 277CA file', { field: 'body' });
    return json(202, await applyAcknowledgement(store, practiceId, bytes.toString('utf8')));
  },
} satisfies Record<string, RouteHandler>;

export const serveClaimsOut = dispatchRoutes('claims-out', routeHandlers);

export const handler = httpHandler('claims-out', serveClaimsOut);
