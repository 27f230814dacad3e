/**
 * Local SES: aws-ses-v2-local (SES v1 and v2 SendEmail, a web inbox at `/`, received mail as JSON
 * at `/store`) in a child process bound to 127.0.0.1. Functions reach it through
 * `KNEADPAY_SES_ENDPOINT` with an ordinary SESv2 client.
 *
 * The child is started through a small bootstrap rather than the package's CLI so that it exits
 * by itself when its parent dies (its stdin pipe closes): a killed `npm start` leaves no inbox behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { assertPortFree, freePort, waitUntil } from './ports';
import { childEnvironment } from './settings';

export interface LocalSes {
  /** The endpoint for SES clients and the web inbox. */
  url: string;
  port: number;
  pid: number;
  /** False once the child has exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** One received mail, as aws-ses-v2-local stores it. */
export interface ReceivedEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: Array<{ content: string; contentType: string; filename?: string; size: number }>;
  headers?: Array<{ name: string; value: string }>;
  /** Seconds since the epoch. */
  at: number;
}

const BOOTSTRAP = `
const [, indexPath, host, port] = process.argv;
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
require(indexPath).default({ host, port: Number(port) })
  .then((server) => console.log('aws-ses-v2-local listening on ' + server.address().port))
  .catch((error) => { console.error(String(error && error.message || error)); process.exit(1); });
`;

/** Starts aws-ses-v2-local on 127.0.0.1 (`port` 0 or absent: a free port) and waits until it answers. */
export const startSes = async (options: { port?: number } = {}): Promise<LocalSes> => {
  const port = options.port ? options.port : await freePort();
  if (options.port) await assertPortFree(port, 'the local SES inbox (KNEADPAY_SES_PORT)');
  const require = createRequire(import.meta.url);
  const indexPath = require.resolve('aws-ses-v2-local');
  const child: ChildProcess = spawn(process.execPath, ['-e', BOOTSTRAP, indexPath, '127.0.0.1', String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: childEnvironment({ NODE_OPTIONS: '' }),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      'the local SES inbox',
      async () => {
        if (child.exitCode !== null) throw new Error(`aws-ses-v2-local exited: ${stderr.trim()}`);
        const answer = await fetch(`${url}/health-check`);
        return answer.ok;
      },
      15_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(child.exitCode !== null && stderr.trim() ? `the local SES inbox failed to start: ${stderr.trim()}` : (error as Error).message, { cause: error });
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** The mails the local inbox received, oldest first; `since` in epoch seconds. */
export const listEmails = async (sesUrl: string, options: { since?: number } = {}): Promise<ReceivedEmail[]> => {
  const query = options.since === undefined ? '' : `?since=${Math.floor(options.since)}`;
  const answer = await fetch(`${sesUrl}/store${query}`);
  if (!answer.ok) throw new Error(`GET ${sesUrl}/store answered ${answer.status}`);
  return ((await answer.json()) as { emails: ReceivedEmail[] }).emails;
};

/** Waits for a mail that matches (e.g. by recipient); rejects after `timeoutMs`. */
export const waitForEmail = async (sesUrl: string, match: (email: ReceivedEmail) => boolean, timeoutMs = 10_000): Promise<ReceivedEmail> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listEmails(sesUrl)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching email in ${sesUrl} within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
};

/** Empties the local inbox. */
export const clearInbox = async (sesUrl: string): Promise<void> => {
  const answer = await fetch(`${sesUrl}/clear-store`, { method: 'POST' });
  if (!answer.ok) throw new Error(`POST ${sesUrl}/clear-store answered ${answer.status}`);
};
