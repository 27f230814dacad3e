/**
 * `npm start`: the whole kneadpay stack on loopback (see docs/local.md). Prints where everything
 * is, answers `GET /health` once ready, and on Ctrl-C or SIGTERM stops every part (Java included).
 * Anything that keeps it from starting ends it with exit 1 and one line saying what is wrong.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setMetricsSink } from '../functions/shared/metrics';
import { reapOrphans } from './orphans';
import { DEFAULT_STRIPE_API_BASE, defaultVariable, LocalSettingError, readLocalSettings, type LocalSettings } from './settings';
import { startLocalStack, stripePortOf, type LocalStack } from './stack';

const out = (line = '') => process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(`kneadpay: ${message.split('\n')[0]!.trim()}\n`);
  process.exit(1);
};

const settingsOrFail = (): LocalSettings => {
  try {
    return readLocalSettings();
  } catch (error) {
    if (error instanceof LocalSettingError) return fail(error.message);
    throw error;
  }
};

const main = async () => {
  // The AWS SDK's notice that its 2027 releases need Node 22 is not news to act on while working
  // locally (Node 20 is supported); it would otherwise open every `npm start`.
  defaultVariable('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  const settings = settingsOrFail();
  // EMF metric lines are for CloudWatch to extract; on a laptop they would be a third of the
  // output. KNEADPAY_LOCAL_METRICS=1 prints them.
  if (!settings.localMetrics) setMetricsSink(() => undefined);
  const { port, dynamoPort, sesPort, scheduleIntervalSeconds: everySeconds, stripeSecretKey: stripeKey, dataDir } = settings;
  if (stripeKey && !stripeKey.startsWith('sk_test_') && !stripeKey.startsWith('rk_test_')) {
    fail('STRIPE_SECRET_KEY is not a test-mode key: the local stack only talks to Stripe test mode (sk_test_…)');
  }
  const stripePort = stripeKey ? undefined : stripePortOf(settings.stripeApiBase);
  if (!stripeKey && stripePort === undefined) {
    fail(`STRIPE_API_BASE must be a URL with a port, like ${DEFAULT_STRIPE_API_BASE}, not '${settings.stripeApiBase}'`);
  }

  let stack: LocalStack | undefined;
  let stopping: Promise<void> | undefined;
  let signals = 0;
  let firstSignalAt = 0;
  const shutdown = (code: number) => {
    stopping ??= (async () => {
      if (stack) {
        out('kneadpay: stopping…');
        await stack.stop();
        rmSync(join(stack.dataDir, 'stack.json'), { force: true });
        out('kneadpay: stopped');
      }
      process.exit(code);
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // tsx relays the terminal's Ctrl-C a few milliseconds after the terminal itself delivered it:
    // that echo is not a second Ctrl-C.
    if (signals > 0 && Date.now() - firstSignalAt < 1500) return;
    signals += 1;
    firstSignalAt ||= Date.now();
    // A second Ctrl-C does not wait: the exit hook of the stack kills the child processes.
    if (signals > 1) process.exit(130);
    if (!stack) {
      out(`kneadpay: ${signal} while starting; stopping once the parts are up…`);
      return;
    }
    void shutdown(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  // A run killed outright (SIGKILL) leaves DynamoDB Local's JVM behind; a running one owns the data.
  const orphans = await reapOrphans(resolve(dataDir));
  if (orphans.kind === 'running') {
    fail(`another npm start (pid ${orphans.pid}) is using ${dataDir}: stop it first, or set KNEADPAY_DATA_DIR to another directory`);
  }
  if (orphans.kind === 'reaped') {
    for (const part of orphans.stopped) {
      out(`kneadpay: stopped ${part.name === 'dynamodb' ? 'DynamoDB Local' : 'the SES inbox'} (pid ${part.pid}), left running by an earlier npm start that was killed`);
    }
  }

  out('kneadpay: starting the local stack (DynamoDB Local, SES inbox, event bus, Stripe, API)…');
  try {
    stack = await startLocalStack({
      port,
      dynamoPort,
      sesPort,
      stripePort,
      schedules: settings.schedules,
      ...(everySeconds ? { bus: { scheduleIntervalMs: everySeconds * 1000 } } : {}),
      onDeadLetter: (deadLetter) =>
        out(
          `kneadpay: dead letter: ${deadLetter.event['detail-type']} ${deadLetter.event.id} → ${deadLetter.fn} failed ` +
            `${deadLetter.attempts} times (${deadLetter.error.message.split('\n')[0]}); kept in ${relative(process.cwd(), join(stack?.dataDir ?? '.kneadpay', 'dead-letters.jsonl'))}`,
        ),
    });
  } catch (error) {
    fail((error as Error)?.message ?? String(error));
  }
  const running = stack!;
  if (signals > 0) {
    await shutdown(0);
    return;
  }

  process.on('uncaughtException', (error) => {
    process.stderr.write(`kneadpay: unexpected error, stopping: ${error.stack ?? error.message}\n`);
    void shutdown(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`kneadpay: unexpected error, stopping: ${(reason as Error)?.stack ?? String(reason)}\n`);
    void shutdown(1);
  });
  // A part that dies (Java killed, out of memory) takes the stack down with a clear line. Once
  // stopping, the parts exit on purpose (the inbox before Java): that is no crash to report.
  const watchdog = setInterval(() => {
    if (stopping) return;
    for (const [name, pid] of Object.entries(running.pids)) {
      try {
        process.kill(pid, 0);
      } catch {
        process.stderr.write(`kneadpay: ${name === 'dynamodb' ? 'DynamoDB Local' : 'the SES inbox'} (pid ${pid}) exited; stopping\n`);
        clearInterval(watchdog);
        void shutdown(1);
        return;
      }
    }
  }, 2000);
  watchdog.unref();

  writeFileSync(
    join(running.dataDir, 'stack.json'),
    `${JSON.stringify(
      {
        apiUrl: running.apiUrl,
        sesUrl: running.sesUrl,
        stripeUrl: running.stripeUrl ?? null,
        dynamoEndpoint: running.dynamoEndpoint,
        mode: running.mode,
        pid: process.pid,
        pids: running.pids,
        startedAt: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );

  const relativeDir = relative(process.cwd(), running.dataDir);
  const dataShown = relativeDir === '' ? '.' : relativeDir.startsWith('..') ? running.dataDir : relativeDir;
  const stripeLine =
    running.mode === 'real'
      ? `${running.stripeUrl}  (your test mode; forward webhooks: stripe listen --forward-to ${running.apiUrl}/webhooks/stripe)`
      : running.stripeUrl
        ? `${running.stripeUrl}  (emulator; webhooks go to ${running.apiUrl}/webhooks/stripe)`
        : 'not available: local/stripe-emulator/index.ts is missing';
  out();
  out(`kneadpay is running (Stripe: ${running.mode})`);
  out(`  API         ${running.apiUrl}  (GET /health)`);
  out(`  Storefront  ${running.apiUrl}/p/<practiceId>`);
  out(`  Web app     ${running.apiUrl}/app/  (local sign-in with a practice id)`);
  out(`  Inbox       ${running.sesUrl}  (received mail; JSON at /store)`);
  out(`  Stripe      ${stripeLine}`);
  out(`  DynamoDB    ${running.dynamoEndpoint}  (table ${running.tableName}, data in ${dataShown}/dynamodb)`);
  out(`  Token       npx kneadpay token --practice <practiceId>`);
  if (running.previousDeadLetters > 0) {
    out(`  Dead letters from earlier runs: ${running.previousDeadLetters} in ${dataShown}/dead-letters.jsonl`);
  }
  out('Press Ctrl-C to stop.');
};

void main();
