/** What every `kneadpay` command shares: its IO and the errors that choose the exit code (bin/kneadpay.ts). */
import { apiPort } from '../../local/settings';

/** Thrown by commands for usage errors (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Thrown by commands for bad input (exit 1): the message names the file, segment or field. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface CommandIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  isTTY: boolean;
}

export type Command = (args: string[], io: CommandIo) => Promise<void>;

/**
 * The API a command calls without `--api`: the local stack on 127.0.0.1 at `PORT` (default 3000),
 * where `npm start` serves it.
 */
export const defaultApi = (): string => `http://127.0.0.1:${apiPort()}`;

/**
 * A bearer token for `practiceId` that the local stack at `api` accepts. It is asked of that
 * stack's own sign-in (`POST /_local/token`, laptop only), so the CLI need not share the stack's
 * data directory (`KNEADPAY_DATA_DIR`, where the signing key lives); where there is no such route
 * (a deployed stack, an older one) it is minted with the local key as `kneadpay token` does.
 */
export const localTokenFor = async (api: string, practiceId: string): Promise<string> => {
  try {
    const answer = await fetch(`${api.replace(/\/+$/, '')}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ practiceId }),
      signal: AbortSignal.timeout(10_000),
    });
    if (answer.ok) {
      const body = (await answer.json().catch(() => ({}))) as { token?: unknown };
      if (typeof body.token === 'string' && body.token) return body.token;
    }
  } catch {
    // Not reachable or no answer: the command's own call says so.
  }
  const { mintLocalToken } = await import('../../local/auth');
  return mintLocalToken(practiceId);
};
