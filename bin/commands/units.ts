import type { Command } from './io';
import { InputError, UsageError } from './io';
import type { TimedService } from '../../functions/domain/units';
import { UNIT_METHODS, UnitsInputError, isUnitMethod, unitsForVisit } from '../../functions/domain/units';

const USAGE = 'usage: kneadpay units <code>:<minutes>… [--method cms|per-code]';
const METHODS = Object.values(UNIT_METHODS).join('|');

/**
 * `kneadpay units 97110:33 97140:7 [--method cms|per-code]`: prints the visit's units as one line
 * of JSON (SPEC.md §2). A malformed argument is a usage error (exit 2); a code kneadpay does not
 * know or impossible minutes are bad input (exit 1).
 */
export const run: Command = async (args, io) => {
  let method: string = UNIT_METHODS.cms;
  const services: TimedService[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === '--method' || arg.startsWith('--method=')) {
      const value = arg === '--method' ? args[++index] : arg.slice('--method='.length);
      if (!value) throw new UsageError(`--method needs a value (${METHODS})\n${USAGE}`);
      method = value;
      continue;
    }
    if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    const match = /^([^:]+):(.*)$/.exec(arg);
    if (!match) throw new UsageError(`"${arg}" is not <code>:<minutes>\n${USAGE}`);
    const [, code = '', minutes = ''] = match;
    if (!/^\d{1,5}$/.test(minutes)) throw new InputError(`"${arg}": minutes must be a whole number`);
    services.push({ code: code.toUpperCase(), minutes: Number(minutes) });
  }
  if (services.length === 0) throw new UsageError(`give at least one <code>:<minutes>\n${USAGE}`);
  if (!isUnitMethod(method)) throw new UsageError(`--method must be ${METHODS}, got "${method}"`);
  try {
    io.stdout(JSON.stringify(unitsForVisit(services, method)));
  } catch (error) {
    if (error instanceof UnitsInputError) throw new InputError(error.message);
    throw error;
  }
};
