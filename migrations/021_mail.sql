-- Email, as `npm run dev` and the tests send it: each message kept here
-- (MAIL_PROVIDER=outbox), where a developer reads it, rather than delivered.
-- A deployed stage sends through Amazon SES instead and never writes here.
create table outbox (
  id          uuid primary key default gen_random_uuid(),
  to_address  text not null,
  subject     text not null,
  text        text not null,
  created_at  timestamptz not null default now()
);
create index outbox_to_created_idx on outbox (to_address, created_at desc);
