import { defaultReceiptDeps, listReceiptsView, resendReceipt, type ReceiptDeps } from './core/receipts';
import { ConflictError, ValidationError } from './shared/errors';
import { consumeAll, LIMITS } from './store/rate-limits';
import { authorizedPractice, dispatchRoutes, httpHandler, json, pathParam, cursorParam, queryParam, type ApiEvent, type RouteHandler } from './shared/http';

const limitOf = (event: ApiEvent): number | undefined => {
  const raw = queryParam(event, 'limit');
  if (raw === undefined) return undefined;
  const limit = Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit must be a whole number from 1 to 100', { field: 'limit' });
  return limit;
};

/** The practice's receipts; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  /**
   * GET /practices/{p}/receipts?clientId=&cursor=&limit= — the practice's receipts, newest first,
   * each with a fresh signed link and where its email stands (`failed` ones need the practice).
   */
  listReceipts: async (event, deps = defaultReceiptDeps()) => {
    const practiceId = authorizedPractice(event);
    const clientId = queryParam(event, 'clientId');
    const cursor = cursorParam(event);
    const limit = limitOf(event);
    return json(200, await listReceiptsView(deps, practiceId, { ...(clientId ? { clientId } : {}), ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) }));
  },
  /** POST /practices/{p}/receipts/{receiptId}/send — emails a receipt again, to the client's current address. */
  resendReceipt: async (event, deps = defaultReceiptDeps()) => {
    const practiceId = authorizedPractice(event);
    const receiptId = pathParam(event, 'receiptId');
    // Resends are the practice's to make, but not without end (issue 17: 20 in 0.9 s).
    await consumeAll(deps.store, practiceId, [
      [LIMITS.resendPerReceipt, receiptId],
      [LIMITS.resendPerPractice, 'all'],
    ]);
    const outcome = await resendReceipt(deps, practiceId, receiptId);
    if (outcome.emailStatus === 'failed') throw new ConflictError('the email was refused; correct the client’s address and send again', 'email_failed', outcome);
    return json(200, outcome);
  },
} satisfies Record<string, RouteHandler<[deps?: ReceiptDeps]>>;

const dispatch = dispatchRoutes<[deps?: ReceiptDeps]>('receipts', routeHandlers);

/** The receipts function; `deps` may be a test's. */
export const serveReceipts = (event: ApiEvent, deps: ReceiptDeps = defaultReceiptDeps()) => dispatch(event, deps);

export const handler = httpHandler('receipts', (event) => serveReceipts(event));
