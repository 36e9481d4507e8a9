import { db } from '../db';
import { logger } from '../log';
import type { MailProvider } from './types';

/** Keeps each message in the `outbox` table and logs it: what a developer reads instead of an inbox. */
export const outboxProvider: MailProvider = {
  name: 'outbox',
  send: async (mail) => {
    const [{ id }] = (await db()`insert into outbox (to_address, subject, text) values (${mail.to}, ${mail.subject}, ${mail.text}) returning id`) as unknown as [
      { id: string },
    ];
    logger.info('mail kept in the outbox', { outbox_id: id, subject: mail.subject });
  },
};
