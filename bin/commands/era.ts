import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import type { Command, CommandIo } from './io';
import { defaultApi, InputError, localTokenFor, UsageError } from './io';
import type { EraSummary } from '../../functions/domain/era835';
import { applyFileProblems, isEraParseError, readEra, toPinnedClaimJson } from '../../functions/domain/era835';

const USAGE = `usage: kneadpay era parse <file.835>
       kneadpay era import <file.835> --practice <id> [--api <url>] [--token <jwt>]`;

/** Files at least this big get a progress bar on a terminal while they upload. */
const PROGRESS_MIN_BYTES = 1024 * 1024;
const PROGRESS_WIDTH = 30;
/**
 * 64 KiB reads: each chunk's claims are printed and dropped before the next, so they die young and
 * garbage collection stays cheap (1 MiB chunks were slower and took more memory).
 */
const READ_CHUNK_BYTES = 64 * 1024;

interface ParsedArgs {
  positional: string[];
  options: Map<string, string>;
}

const parseArgs = (args: readonly string[], known: readonly string[]): ParsedArgs => {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}\n${USAGE}`);
    const value = inline ?? args[++index];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value\n${USAGE}`);
    options.set(name, value);
  }
  return { positional, options };
};

const fileSize = async (file: string): Promise<number> => {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new InputError(`${file}: not a file`);
    return info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`${file}: no such file`);
    throw error;
  }
};

const textChunks = (file: string) => createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });

const readSummary = async (file: string): Promise<EraSummary> => {
  try {
    return await readEra(textChunks(file));
  } catch (error) {
    if (isEraParseError(error)) throw new InputError(`${file}: ${error.message}`);
    throw error;
  }
};

/**
 * `era parse`: one pinned JSON line per claim, in file order. The file is streamed twice: first to
 * check all of it (so a damaged file prints nothing but its error, and the file-level balance is
 * known), then to print each claim with that balance applied. Memory stays flat at any size.
 */
const parse = async (args: readonly string[], io: CommandIo): Promise<void> => {
  const { positional } = parseArgs(args, []);
  const [file, extra] = positional;
  if (!file || extra !== undefined) throw new UsageError(USAGE);
  await fileSize(file);
  const summary = await readSummary(file);
  await readEra(textChunks(file), async (claim) => {
    io.stdout(JSON.stringify(toPinnedClaimJson(applyFileProblems(claim, summary))));
    // Writes to a pipe queue up when the reader is slower than the parser; wait for the queue to
    // drain so 100,000 claims do not pile up in memory (the io interface itself is fire-and-forget).
    if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
  });
  // Not an input error: the file reads; its claims are marked unbalanced and say why.
  for (const problem of summary.fileProblems) io.stderr(`${file}: ${problem} (every claim of that payment is unbalanced)`);
};

const progressBar = (io: CommandIo, label: string, total: number) => {
  let shown = -1;
  return (sent: number): void => {
    const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
    if (percent === shown || (percent - shown < 2 && percent !== 100)) return;
    const filled = Math.round((percent / 100) * PROGRESS_WIDTH);
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const line = `uploading ${label} [${'#'.repeat(filled)}${'-'.repeat(PROGRESS_WIDTH - filled)}] ${String(percent).padStart(3)}% ${mb(sent)} of ${mb(total)} MB`;
    // Cursor up and clear line: each update replaces the previous one on the terminal.
    io.stderr(shown < 0 ? line : `\x1b[1A\x1b[2K${line}`);
    shown = percent;
  };
};

interface HttpAnswer {
  status: number;
  body: string;
}

const postFile = (url: URL, file: string, size: number, headers: Record<string, string>, onProgress: (sent: number) => void): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let answered = false;
    const request = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(size) } }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    // A server may answer (413, 401) before it has read the whole body and close the socket; the
    // answer is what matters then, not the broken pipe.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = createReadStream(file);
    let sent = 0;
    body.on('data', (chunk) => {
      sent += chunk.length;
      onProgress(sent);
    });
    body.on('error', reject);
    body.pipe(request);
  });

const serverMessage = (answer: HttpAnswer): string => {
  try {
    const parsed = JSON.parse(answer.body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message) return parsed.error.code ? `${parsed.error.message} (${parsed.error.code})` : parsed.error.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return answer.body.trim().split('\n')[0]?.slice(0, 300) || 'no message';
};

/** `era import`: posts the raw file to the practice's remittances and prints the import summary. */
const importEra = async (args: readonly string[], io: CommandIo): Promise<void> => {
  const { positional, options } = parseArgs(args, ['practice', 'api', 'token']);
  const [file, extra] = positional;
  const practiceId = options.get('practice');
  if (!file || extra !== undefined || !practiceId) throw new UsageError(USAGE);
  const api = options.get('api') ?? defaultApi();
  let url: URL;
  try {
    url = new URL(`${api.replace(/\/+$/, '')}/practices/${encodeURIComponent(practiceId)}/remittances`);
  } catch {
    throw new UsageError(`--api "${api}" is not a URL`);
  }
  const size = await fileSize(file);
  const token = options.get('token') ?? (await localTokenFor(api, practiceId));
  const progress = io.isTTY && size >= PROGRESS_MIN_BYTES ? progressBar(io, basename(file), size) : () => {};
  let answer: HttpAnswer;
  try {
    answer = await postFile(url, file, size, { 'content-type': 'application/edi-x12', authorization: `Bearer ${token}`, accept: 'application/json' }, progress);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot reach ${url.origin}: ${code ?? (error as Error).message}${code === 'ECONNREFUSED' ? ' (is `npm start` running?)' : ''}`);
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new InputError(`${file}: the server answered ${answer.status}: ${serverMessage(answer)}`);
  }
  try {
    io.stdout(JSON.stringify(JSON.parse(answer.body)));
  } catch {
    io.stdout(answer.body.trim());
  }
};

/** `kneadpay era parse|import …` (SPEC.md §2). */
export const run: Command = async (args, io) => {
  const [subcommand, ...rest] = args;
  if (subcommand === 'parse') return parse(rest, io);
  if (subcommand === 'import') return importEra(rest, io);
  throw new UsageError(subcommand ? `unknown subcommand "${subcommand}"\n${USAGE}` : USAGE);
};
