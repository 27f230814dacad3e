/**
 * `kneadpay <command>`: exit 0 on success, 1 on bad input (one line on stderr naming the problem),
 * 2 on usage errors. JSON goes to stdout. Each command lives in bin/commands/<name>.ts and is
 * loaded only when called.
 */
// The types and errors commands share live in ./commands/io (commands import them from there, so
// bin/ has no import loop); they are re-exported here for callers of this module.
import { InputError, UsageError, type Command, type CommandIo } from './commands/io';

export { InputError, UsageError };
export type { Command, CommandIo };

export const USAGE = `usage: kneadpay <command>

commands:
  units <code>:<minutes>… [--method cms|per-code]   units for a visit (8-minute rule)
  era parse <file.835>                              one JSON line per claim payment
  era import <file.835> --practice <id> [--api <url>] [--token <jwt>]
  token --practice <id>                             a bearer token for the local stack
  claims export --practice <id> [--api <url>] [--token <jwt>] [--claim <id>]…  an 837P batch of ready claims, to stdout
  demo [--api <url>]                                the whole journey against npm start
`;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  units: () => import('./commands/units'),
  era: () => import('./commands/era'),
  token: () => import('./commands/token'),
  claims: () => import('./commands/claims'),
  demo: () => import('./commands/demo'),
};

const defaultIo: CommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

export const main = async (argv: string[], io: CommandIo = defaultIo): Promise<number> => {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr)(USAGE.trimEnd());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`kneadpay: unknown command '${name}'`);
    io.stderr(USAGE.trimEnd());
    return 2;
  }
  try {
    const command = await load();
    await command.run(rest, io);
    return 0;
  } catch (error) {
    if ((error as Error)?.name === 'UsageError') {
      io.stderr(`kneadpay ${name}: ${(error as Error).message}`);
      return 2;
    }
    if ((error as Error)?.name === 'InputError') {
      io.stderr(`kneadpay ${name}: ${(error as Error).message}`);
      return 1;
    }
    io.stderr(`kneadpay ${name}: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
};
