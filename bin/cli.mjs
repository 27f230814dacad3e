#!/usr/bin/env node
// The `kneadpay` CLI entry: registers tsx so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

// The reader of stdout went away (`kneadpay era parse big.835 | head -1`): not bad input, so stop
// quietly with 0 rather than report "write EPIPE" with the exit code of bad input.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('./kneadpay.ts');
process.exitCode = await main(process.argv.slice(2));
