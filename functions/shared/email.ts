import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';

/** An email kneadpay sends: both an HTML and a plain-text body, and a subject with no clinical detail. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

let client: SESv2Client | undefined;

const sesClient = (): SESv2Client => {
  const endpoint = process.env.KNEADPAY_SES_ENDPOINT;
  client ??= new SESv2Client({
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
  });
  return client;
};

/** The verified sender (an SES identity in AWS; anything locally). */
export const senderAddress = (): string => process.env.KNEADPAY_SES_SENDER ?? 'billing@kneadpay.local';

/** Sends one email through SES (the local SES inbox on a laptop); returns the SES message id. */
export const sendEmail = async (email: OutgoingEmail): Promise<string> => {
  const answer = await sesClient().send(
    new SendEmailCommand({
      FromEmailAddress: senderAddress(),
      Destination: { ToAddresses: [email.to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return answer.MessageId ?? 'unknown';
};
