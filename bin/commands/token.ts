import type { Command } from './io';
import { defaultApi, localTokenFor, UsageError } from './io';

/**
 * `kneadpay token --practice <id>`: a bearer token the local stack accepts (SPEC.md §2). Asked of
 * the stack running at `PORT` when there is one (its key is in its data directory, which need not
 * be this shell's `KNEADPAY_DATA_DIR`); minted with the data directory's key otherwise.
 */
export const run: Command = async (args, io) => {
  const index = args.indexOf('--practice');
  const practiceId = index >= 0 ? args[index + 1] : undefined;
  if (!practiceId) throw new UsageError('--practice <id> is required');
  io.stdout(await localTokenFor(defaultApi(), practiceId));
};
