/**
 * One local invocation, one Lambda invocation scope. In Lambda an execution environment runs one
 * invocation at a time, so Powertools Logger's Lambda context (request id, function name) is that
 * invocation's. On a laptop many handlers run at once in one process; without a scope a log line
 * could carry a neighbouring invocation's request id. The runtime's own mechanism for concurrent
 * invocations in one environment (Lambda Managed Instances) is `@aws/lambda-invoke-store`: with
 * `AWS_LAMBDA_MAX_CONCURRENCY` set, Powertools keeps its per-invocation state in the store's
 * AsyncLocalStorage. The local HTTP API and event bus run every handler inside `inInvocationScope`.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { defaultVariable } from './settings';

/** How many invocations may share the local process (Powertools only checks that it is set). */
const LOCAL_MAX_CONCURRENCY = '1000';

let store: Promise<InvokeStoreBase> | undefined;

/** The multi-invocation store, registered globally before Powertools is told to use it. */
const invokeStore = (): Promise<InvokeStoreBase> =>
  (store ??= InvokeStore.getInstanceAsync(true).then((created) => {
    // Only now: with the variable set and no store registered, Powertools would throw on every log line.
    defaultVariable('AWS_LAMBDA_MAX_CONCURRENCY', LOCAL_MAX_CONCURRENCY);
    return created;
  }));

/** Runs `invoke` as the invocation `requestId`: what it logs carries its own request id. */
export const inInvocationScope = async <T>(requestId: string, invoke: () => Promise<T>): Promise<T> => {
  const scope = await invokeStore();
  return scope.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
};
