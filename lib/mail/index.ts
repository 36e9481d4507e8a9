import { config } from '../config';
import { logger } from '../log';
import { outboxProvider } from './outbox';
import { sesProvider } from './ses';
import type { Mail, MailProvider } from './types';

/**
 * The provider MAIL_PROVIDER names. A deployed stage never keeps its mail in
 * the outbox, where no fan would ever read it.
 */
export const mailProvider = (): MailProvider => {
  const name = config.mailProvider();
  if (name === 'ses') {
    if (!config.mailFrom()) throw new Error('MAIL_PROVIDER=ses needs MAIL_FROM, the address mail is sent from.');
    return sesProvider;
  }
  if (name !== 'outbox') throw new Error(`MAIL_PROVIDER=${name} is no mail provider: set ses or outbox.`);
  if (config.deployed()) throw new Error(`MAIL_PROVIDER=outbox keeps mail nobody reads: stage ${config.stage()} must set ses.`);
  return outboxProvider;
};

// As the function starts: one misconfigured fails its cold start rather than serve.
mailProvider();

/** Sends one message through the configured provider. */
export const sendMail = (mail: Mail): Promise<void> => mailProvider().send(mail);

/**
 * Sends, and says whether the mail went: one that did not is logged (by its
 * subject: its text may hold a link) and fails nothing by itself.
 */
export const delivered = async (mail: Mail, userId: string): Promise<boolean> => {
  try {
    await sendMail(mail);
    return true;
  } catch (error) {
    logger.error('mail not sent', { user_id: userId, subject: mail.subject, error: String(error) });
    return false;
  }
};

/** A link into the app (APP_URL), such as the one a verification email carries. */
export const appLink = (path: string, query: Record<string, string> = {}): string => {
  const url = new URL(path, config.appUrl());
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
};
