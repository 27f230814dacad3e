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
