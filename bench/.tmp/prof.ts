import { Readable } from 'node:stream';
import Stripe from 'stripe';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
Object.assign(process.env, { KNEADPAY_DYNAMO_ENDPOINT: 'http://127.0.0.1:1', KNEADPAY_TABLE: 't', LOG_LEVEL: process.env.LL ?? 'warn', AWS_REGION: 'us-east-1', STRIPE_WEBHOOK_SECRET: 'whsec_b' });
const main = async () => {
  const { getStore } = await import('/work/main/functions/store/table');
  const { handler } = await import('/work/main/functions/stripe-webhook');
  const { checkoutEvent, apiEvent } = await import('/work/main/bench/webhook-fixtures');
  const store = getStore();
  (store.doc.config as any).requestHandler = {
    handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } }),
    metadata: { handlerProtocol: 'h1' },
  };
  const client: any = store.doc as any;
  const N = Number(process.env.N ?? 3000);
  const mk = () => {
    const p: any = { purchaseId: 'pur_' + Math.random().toString(36).slice(2), practiceId: 'prac_x', clientId: 'cli_y', packageId: 'pkg', priceCents: 42500 };
    const payload = JSON.stringify(checkoutEvent(p));
    return [payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_b' })];
  };
  const ctx = { awsRequestId: 'b', getRemainingTimeInMillis: () => 30000 } as never;
  const evs = Array.from({ length: N + 500 }, mk);
  for (let i = 0; i < 500; i++) {
    const r: any = await handler(apiEvent(evs[i]![0]!, evs[i]![1]!), ctx);
    if (r.statusCode !== 200) throw new Error(JSON.stringify(r));
  }
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 500; i < N + 500; i++) await handler(apiEvent(evs[i]![0]!, evs[i]![1]!), ctx);
  const c = process.cpuUsage(t0);
  console.error(`handler: ${((c.user + c.system) / N).toFixed(0)} µs CPU/event, wall ${(((performance.now() - w0) * 1000) / N).toFixed(0)} µs`);
};
main();
