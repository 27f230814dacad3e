/**
 * bench/remittance-import: a large 835 posted to the remittances function (its Lambda handler,
 * in-process, the module Lambda runs) on DynamoDB Local, against the one-at-a-time loop the import
 * was until 2026-12-07 (kept here as the baseline, not in the product): one GetItem per claim
 * payment and each matched one applied before the next is read. Both in the same run, in turns, so
 * only their ratios mean something on a shared machine.
 *
 *   npx tsx bench/remittance-import.ts [--sizes 500,2500] [--latency-ms 0,3] [--runs 1]
 *
 * Each file holds `size` claim payments shaped like DOMAIN.md §4's worked example, half of them for
 * claims the practice registered (4 claims a client) and half for claims it does not have
 * (quarantined), alternating. Every run posts a fresh file for fresh claims to each path.
 * `--latency-ms` holds each request to DynamoDB Local that many ms (bench/latency-proxy.ts), as the
 * network between Lambda and DynamoDB in a Region would; one proxy, its latency set per phase.
 * Prints per latency and size: the import's seconds, claim payments/s and DynamoDB round trips
 * (each command sent) per path, the ratios old ÷ new, how many claim payments would fit the
 * route's 29 s at that pace (a linear estimate), and the round trips on the critical path (each
 * request counted 1 ÷ the requests in flight when sent) with what they would take at 3 ms each,
 * and this process's CPU time (the handler and the SDK; DynamoDB Local is another process).
 * DynamoDB Local runs on this machine's CPU: with several requests in flight it, not the latency,
 * is the wait, so the measured times understate what concurrency gains against DynamoDB in a
 * Region; the critical path is the estimate for that case (a model, printed as such).
 */
import { startBenchTable } from './local-table';
import { startLatencyProxy } from './latency-proxy';

const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1]! : fallback;
};
const numbers = (name: string, fallback: string) => {
  const values = option(name, fallback).split(',').map(Number);
  if (values.some((value) => !Number.isFinite(value) || value < 0)) throw new Error(`--${name} takes numbers separated by commas`);
  return values;
};
const SIZES = numbers('sizes', '500,2500');
const LATENCIES = numbers('latency-ms', '0,3');
const RUNS = Math.max(1, Number(option('runs', '1')));
const CLAIMS_PER_CLIENT = 4;
const ROUTE_SECONDS = 29;

const main = async () => {
  const table = await startBenchTable();
  let latencyMs = 0;
  const proxy = await startLatencyProxy(table.endpoint, () => latencyMs);
  // Every function module reads the table through the proxy (before any of them is imported).
  process.env.KNEADPAY_DYNAMO_ENDPOINT = proxy.endpoint;
  try {
    const { getStore } = await import('../functions/store/table');
    const { handler } = await import('../functions/remittances');
    const { servePutPractice } = await import('../functions/practices');
    const { findOrCreateClient } = await import('../functions/store/clients');
    const { parseClaim } = await import('../functions/core/claims');
    const { insertClaim } = await import('../functions/store/claims');
    const { PRACTICE_CLAIM } = await import('../functions/shared/http');
    const { largeEra, workedExamplePayment } = await import('../test/fixtures/era/large-era');
    const { WORKED_EXAMPLE_CLAIM_LINES } = await import('../test/fixtures/claims/worked-example');
    const { oldLoop } = await import('./remittance-import-baseline');
    const store = getStore();
    const sent = new Map<string, number>();
    // The round trips on the import's critical path, estimated: each request counts 1 ÷ the requests
    // in flight when it was sent (8 lanes in step: 1/8 each; one after another: 1 each). Times a
    // Region's latency, it is what the import would take where DynamoDB, not this machine's CPU, is the wait.
    let inFlight = 0;
    let depth = 0;
    store.doc.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        sent.set(name, (sent.get(name) ?? 0) + 1);
        inFlight += 1;
        depth += 1 / inFlight;
        try {
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'countRoundTrips' },
    );
    const roundTrips = () => [...sent.values()].reduce((sum, count) => sum + count, 0);

    const practiceId = 'prac_bench_remittances';
    await servePutPractice(store, practiceId, { name: 'Bench Bodywork', email: 'bench@example.com', npi: '1234567893', taxId: '12-3456789' });

    /** `count` fresh claims (4 a client), registered as POST /claims stores them; their ids. */
    let seeded = 0;
    const seedClaims = async (count: number): Promise<string[]> => {
      const batch = seeded++;
      const ids = Array.from({ length: count }, (_, i) => `CLM-B${batch}-${i}`);
      const clients = Math.ceil(count / CLAIMS_PER_CLIENT);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < clients) {
            const c = next++;
            const client = await findOrCreateClient(store, { practiceId, email: `b${batch}-c${c}@bench.example`, name: 'Bench Client', currency: 'usd' });
            for (const claimId of ids.slice(c * CLAIMS_PER_CLIENT, (c + 1) * CLAIMS_PER_CLIENT)) {
              const claim = parseClaim(
                practiceId,
                {
                  claimId,
                  clientId: client.clientId,
                  payerName: 'ACME HEALTH',
                  dateOfService: '2026-10-02',
                  placeOfService: '11',
                  diagnosisCodes: ['M54.2'],
                  lines: WORKED_EXAMPLE_CLAIM_LINES,
                },
                'cms',
                'usd',
                new Date(),
              );
              if (!(await insertClaim(store, claim))) throw new Error(`claim ${claimId} exists`);
            }
          }
        }),
      );
      return ids;
    };
    /** A file of `size` claim payments: a registered claim's, then one the practice does not have, in turn. */
    const fileFor = (ids: string[], size: number, tag: string) => largeEra(`BENCH-${tag}`, ids.flatMap((id, i) => [workedExamplePayment(id), workedExamplePayment(`NOPE-${tag}-${i}`)]).slice(0, size));

    const post = async (text: string) => {
      // Lambda's longest deadline (15 min), so the import's whole time is measured; whether it fits the route's 29 s is printed.
      const deadline = Date.now() + 900_000;
      const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => deadline - Date.now() } as never;
      const answer = (await handler(
        {
          version: '2.0',
          routeKey: 'POST /practices/{practiceId}/remittances',
          rawPath: `/practices/${practiceId}/remittances`,
          rawQueryString: '',
          headers: { 'content-type': 'application/edi-x12' },
          body: text,
          isBase64Encoded: false,
          pathParameters: { practiceId },
          requestContext: {
            http: { method: 'POST', path: `/practices/${practiceId}/remittances`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
            requestId: 'bench',
            routeKey: 'POST /practices/{practiceId}/remittances',
            stage: '$default',
            authorizer: { jwt: { claims: { [PRACTICE_CLAIM]: practiceId }, scopes: null } },
          },
        } as never,
        context,
      )) as { statusCode: number; body: string };
      if (answer.statusCode !== 202) throw new Error(`the handler answered ${answer.statusCode}: ${answer.body.slice(0, 300)}`);
      return JSON.parse(answer.body) as { claims: number; matched: number; quarantined: unknown[] };
    };

    interface Measure {
      seconds: number;
      roundTrips: number;
      depth: number;
      /** CPU time of this process (the handler, the SDK; DynamoDB Local is another process). */
      cpuSeconds: number;
      byCommand: Record<string, number>;
    }
    const measure = async (path: 'old' | 'new', text: string, size: number): Promise<Measure> => {
      sent.clear();
      depth = 0;
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      const summary = path === 'new' ? await post(text) : await oldLoop(store, practiceId, text);
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStarted);
      const matched = Math.ceil(size / 2);
      if (summary.claims !== size || summary.matched !== matched || summary.quarantined.length !== size - matched) {
        throw new Error(`${path} recorded ${summary.claims} / ${summary.matched} matched / ${summary.quarantined.length} quarantined for a file of ${size}`);
      }
      return { seconds, roundTrips: roundTrips(), depth, cpuSeconds: (cpu.user + cpu.system) / 1e6, byCommand: Object.fromEntries(sent) };
    };

    // Warm-up: JIT, connections, DynamoDB Local's first use, for both paths.
    const warmIds = await seedClaims(50);
    await measure('new', fileFor(warmIds.slice(0, 25), 50, 'warm-new'), 50);
    await measure('old', fileFor(warmIds.slice(25), 50, 'warm-old'), 50);

    console.log(`remittance import: ${SIZES.join(', ')} claim payments (half matched, ${CLAIMS_PER_CLIENT} claims a client), ${RUNS} run(s), latency ${LATENCIES.join(', ')} ms`);
    const rows: string[] = [];
    for (const latency of LATENCIES) {
      for (const size of SIZES) {
        const results: Record<'old' | 'new', Measure[]> = { old: [], new: [] };
        for (let run = 0; run < RUNS; run += 1) {
          // Fresh claims per path and run, seeded with no latency (seeding is not what is measured).
          latencyMs = 0;
          const ids = { old: await seedClaims(Math.ceil(size / 2)), new: await seedClaims(Math.ceil(size / 2)) };
          latencyMs = latency;
          // Turns: the paths swap places every run.
          for (const path of run % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
            results[path].push(await measure(path, fileFor(ids[path], size, `${latency}-${size}-${run}-${path}`), size));
          }
        }
        const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
        const figures = (list: Measure[]) => ({
          seconds: median(list.map((m) => m.seconds)),
          roundTrips: median(list.map((m) => m.roundTrips)),
          depth: median(list.map((m) => m.depth)),
          cpuSeconds: median(list.map((m) => m.cpuSeconds)),
        });
        const old = figures(results.old);
        const now = figures(results.new);
        const row = [
          `${String(latency).padStart(2)} ms`,
          String(size).padStart(5),
          `old ${old.seconds.toFixed(2).padStart(6)} s ${(size / old.seconds).toFixed(0).padStart(5)}/s ${String(old.roundTrips).padStart(5)} rt`,
          `new ${now.seconds.toFixed(2).padStart(6)} s ${(size / now.seconds).toFixed(0).padStart(5)}/s ${String(now.roundTrips).padStart(5)} rt`,
          `old/new time ×${(old.seconds / now.seconds).toFixed(1)}, round trips ×${(old.roundTrips / now.roundTrips).toFixed(1)}`,
          `fit ${ROUTE_SECONDS} s here: old ~${Math.floor((size / old.seconds) * ROUTE_SECONDS)}, new ~${Math.floor((size / now.seconds) * ROUTE_SECONDS)}`,
          `CPU old ${old.cpuSeconds.toFixed(1)} s, new ${now.cpuSeconds.toFixed(1)} s`,
          `critical path old ${old.depth.toFixed(0)} rt, new ${now.depth.toFixed(0)} rt (×${(old.depth / now.depth).toFixed(1)}; at 3 ms: ${((old.depth * 3) / 1000).toFixed(1)} s vs ${((now.depth * 3) / 1000).toFixed(1)} s)`,
        ].join(' | ');
        rows.push(row);
        console.log(row);
        console.log(`        commands: old ${JSON.stringify(results.old.at(-1)!.byCommand)}; new ${JSON.stringify(results.new.at(-1)!.byCommand)}`);
      }
    }
    console.log('\nsummary (median of runs; the fit is claim payments per 29 s at the pace measured here, linear; the critical path is an estimate):');
    for (const row of rows) console.log(row);
  } finally {
    await proxy.stop();
    await table.stop();
  }
};

await main();
