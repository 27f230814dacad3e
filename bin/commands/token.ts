import type { Command } from './io';
import { defaultApi, localTokenFor, UsageError } from './io';

/**
 * `kneadpay token --practice <id>`: a bearer token the local stack accepts (SPEC.md §2). Asked of
 * the stack running at `PORT` when there is one (its key is in its data directory, which need not
 * be this shell's `KNEADPAY_DATA_DIR`); minted with the data directory's key otherwise.
 */
export const run: Command = async (args, io) => {
  let practiceId: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg !== '--practice' && !arg.startsWith('--practice=')) throw new UsageError(`unknown argument ${arg}\nusage: kneadpay token --practice <id>`);
    practiceId = arg === '--practice' ? args[++index] : arg.slice('--practice='.length);
  }
  if (!practiceId) throw new UsageError('--practice <id> is required');
  io.stdout(await localTokenFor(defaultApi(), practiceId));
};
