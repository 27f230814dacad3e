import type { Command } from './io';
import { UsageError } from './io';

export const run: Command = async (args, io) => {
  const index = args.indexOf('--practice');
  const practiceId = index >= 0 ? args[index + 1] : undefined;
  if (!practiceId) throw new UsageError('--practice <id> is required');
  const { mintLocalToken } = await import('../../local/auth');
  io.stdout(await mintLocalToken(practiceId));
};
