import type { Command, CommandIo } from './io';
import { defaultApi, InputError, localTokenFor, UsageError } from './io';

const USAGE = `usage: kneadpay claims export --practice <id> [--api <url>] [--token <jwt>] [--claim <claimId>]… > batch.837`;

/**
 * `kneadpay claims export`: makes an 837P batch of the practice's ready claims (or the claims
 * named with --claim) through POST /practices/{p}/claim-batches and writes the 837P file to
 * stdout, for the practice to upload to its clearinghouse. The batch summary and any refused claim
 * (with the fields to fix) go to stderr. The same command again prints the same batch.
 */
const exportClaims = async (args: readonly string[], io: CommandIo): Promise<void> => {
  const options = new Map<string, string>();
  const claims: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [name = '', inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [''];
    if (!['practice', 'api', 'token', 'claim'].includes(name)) throw new UsageError(`unexpected argument "${arg}"\n${USAGE}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value\n${USAGE}`);
    if (name === 'claim') claims.push(value);
    else options.set(name, value);
  }
  const practiceId = options.get('practice');
  if (!practiceId) throw new UsageError(`--practice is required\n${USAGE}`);
  const api = (options.get('api') ?? defaultApi()).replace(/\/+$/, '');
  let base: URL;
  try {
    base = new URL(`${api}/practices/${encodeURIComponent(practiceId)}/claim-batches`);
  } catch {
    throw new UsageError(`--api "${api}" is not a URL`);
  }
  const token = options.get('token') ?? (await localTokenFor(api, practiceId));
  const call = async (url: string, init: RequestInit) => {
    try {
      return await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
    } catch (error) {
      const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      throw new InputError(`cannot reach ${base.origin}: ${code ?? (error as Error).message}${code === 'ECONNREFUSED' ? ' (is `npm start` running?)' : ''}`);
    }
  };
  const made = await call(base.href, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(claims.length ? { claimIds: claims } : {}) });
  const answer = (await made.json().catch(() => ({}))) as {
    batchId?: string;
    interchangeControlNumber?: string;
    claims?: string[];
    refused?: { claimId: string; problems: { field: string; message: string }[] }[];
    error?: { code: string; message: string; details?: { refused?: { claimId: string; problems: { field: string; message: string }[] }[] } };
  };
  const refusedLines = (refused: NonNullable<typeof answer.refused>) => refused.map((r) => `  refused ${r.claimId}: ${r.problems.map((p) => p.message).join('; ')}`);
  if (!made.ok) {
    const refused = answer.error?.details?.refused ?? [];
    for (const line of refusedLines(refused)) io.stderr(line);
    throw new InputError(`the server answered ${made.status}: ${answer.error?.message ?? 'no batch was made'}`);
  }
  const file = await call(`${base.href}/${encodeURIComponent(answer.batchId!)}`, { headers: { accept: 'application/edi-x12' } });
  if (!file.ok) throw new InputError(`the server answered ${file.status} for batch ${answer.batchId}`);
  const x12 = await file.text();
  io.stderr(`batch ${answer.batchId} (interchange ${answer.interchangeControlNumber}${made.status === 200 ? ', made before' : ''}): ${answer.claims!.length} claim(s): ${answer.claims!.join(', ')}`);
  for (const line of refusedLines(answer.refused ?? [])) io.stderr(line);
  io.stdout(x12.replace(/\n$/, ''));
};

/** `kneadpay claims export …`. */
export const run: Command = async (args, io) => {
  const [subcommand, ...rest] = args;
  if (subcommand === 'export') return exportClaims(rest, io);
  throw new UsageError(USAGE);
};
