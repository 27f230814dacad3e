import { PRACTICE_ID } from '../../local/auth';
import type { Command } from './io';
import { defaultApi, InputError, localTokenFor, UsageError } from './io';

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
  if (!PRACTICE_ID.test(practiceId)) throw new InputError(`practice id ${JSON.stringify(practiceId)} is not one kneadpay takes: letters, digits, _ or -, at most 64`);
  io.stdout(await localTokenFor(defaultApi(), practiceId));
};
