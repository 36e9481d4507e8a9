import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { config } from '../config';
import { logger } from '../log';
import type { MailProvider } from './types';

// Imported on the first message: most invocations of a function that may
// send mail send none, and the SDK would weigh on every cold start.
const sdk = () => import('@aws-sdk/client-sesv2');

let client: { endpoint: string | undefined; ses: SESv2Client } | undefined;

/**
 * The container's client, made again if SES_ENDPOINT changes (tests point it
 * at a stand-in). Region and credentials are the Lambda's own. A message
 * rides on the request that sends it: each call gives up within seconds,
 * with one retry, rather than hold the fan's answer.
 */
const ses = async (): Promise<SESv2Client> => {
  const endpoint = config.sesEndpoint();
  if (!client || client.endpoint !== endpoint) {
    const { SESv2Client } = await sdk();
    client = {
      endpoint,
      ses: new SESv2Client({
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
        ...(endpoint ? { endpoint } : {}),
      }),
    };
  }
  return client.ses;
};

/** Sends each message through Amazon SES (v2 `SendEmail`), plain text, from MAIL_FROM. */
export const sesProvider: MailProvider = {
  name: 'ses',
  send: async (mail) => {
    const [{ SendEmailCommand }, api] = await Promise.all([sdk(), ses()]);
    const sent = await api.send(
      new SendEmailCommand({
        // Checked as the function starts (./index).
        FromEmailAddress: config.mailFrom()!,
        Destination: { ToAddresses: [mail.to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
    logger.info('mail sent', { provider: 'ses', message_id: sent.MessageId, subject: mail.subject });
  },
};
