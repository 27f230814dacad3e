import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { getStore } from '../../store/table';
import { consumeAll, LIMITS } from '../../store/rate-limits';
import { config } from '../config';

/** An email kneadpay sends: both an HTML and a plain-text body, and a subject with no clinical detail. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /**
   * The practice sending it: the shared sender's per-practice and per-recipient limits apply
   * (store/rate-limits.ts; a RateLimitedError when reached). Every kneadpay email names one.
   */
  practiceId?: string;
}

/**
 * A header value on one line: CR, LF and other control characters (a practice name typed with a
 * line break) become spaces, so nothing can end the header or add another.
 */
export const singleLine = (value: string): string =>
  value
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();

let client: SESv2Client | undefined;

const sesClient = (): SESv2Client => {
  const endpoint = config().sesEndpoint;
  client ??= new SESv2Client({
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
  });
  return client;
};

/** The verified sender (an SES identity in AWS; anything locally). */
export const senderAddress = (): string => config().sesSender;

/** Sends one email through SES (the local SES inbox on a laptop); returns the SES message id. */
export const sendEmail = async (email: OutgoingEmail): Promise<string> => {
  const to = singleLine(email.to);
  if (email.practiceId) {
    // Recipient first: one address flooded must not use up the practice's whole budget.
    await consumeAll(getStore(), email.practiceId, [
      [LIMITS.emailPerRecipient, to],
      [LIMITS.emailPerPractice, 'all'],
    ]);
  }
  const answer = await sesClient().send(
    new SendEmailCommand({
      FromEmailAddress: senderAddress(),
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: singleLine(email.subject), Charset: 'UTF-8' },
          Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return answer.MessageId ?? 'unknown';
};
