import { applyFileProblems } from './balance';
import { EraParser } from './EraParser';
import type { EraClaim, EraRemittance, EraSummary } from './model';

/**
 * Reads a whole 835 held in memory (an API request body, a test fixture).
 *
 * File-level problems are already folded into the claims: when a payment's total does not match
 * its claims, each of its claims is `balanced: false` with a `file: …` problem (see
 * `applyFileProblems`), so a caller that quarantines unbalanced claims needs no second check.
 *
 * @throws EraParseError when the text is not a well-formed 835.
 */
export const parseEra = (text: string): EraRemittance => {
  const parser = new EraParser();
  const claims = parser.write(text);
  const summary = parser.end();
  claims.push(...parser.takeCompleted());
  return {
    ...summary,
    header: summary.payments[0]!.payment,
    claims: summary.fileProblems.length === 0 ? claims : claims.map((claim) => applyFileProblems(claim, summary)),
    providerAdjustments: summary.payments.flatMap((payment) => payment.providerAdjustments),
  };
};

/**
 * Reads an 835 from a stream of text chunks (a file read stream with an encoding set, an S3 body),
 * handing each claim to `onClaim` as soon as it is complete, in file order, without holding the file
 * or its claims in memory.
 *
 * Claims carry the line, claim and patient checks; the file check is only known at the end and is
 * in the returned summary (a caller that must not act on a claim before knowing it reads the
 * stream twice: once for the summary, once with `applyFileProblems`).
 *
 * @throws EraParseError when the text is not a well-formed 835 (after `onClaim` has seen the
 *   claims before the problem).
 */
export const readEra = async (chunks: AsyncIterable<string | Uint8Array> | Iterable<string> | string, onClaim: (claim: EraClaim) => void | Promise<void> = () => {}): Promise<EraSummary> => {
  const parser = new EraParser();
  const decoder = new TextDecoder();
  // A string is one chunk, not an iterable of characters.
  for await (const chunk of typeof chunks === 'string' ? [chunks] : chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const claim of parser.write(text)) await onClaim(claim);
  }
  const tail = decoder.decode();
  if (tail !== '') for (const claim of parser.write(tail)) await onClaim(claim);
  const summary = parser.end();
  for (const claim of parser.takeCompleted()) await onClaim(claim);
  return summary;
};
