/** One email: plain text, short, with a link into the app where it needs one. */
export type Mail = { to: string; subject: string; text: string };

/** Where email goes: the outbox table locally, Amazon SES when deployed. */
export type MailProvider = { name: string; send(mail: Mail): Promise<void> };
