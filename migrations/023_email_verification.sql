-- Email verification. A fan's address is verified once they open the link
-- mailed to it; until then `email_verified_at` is null.
alter table users add column email_verified_at timestamptz;

-- One-time tokens sent by email, each for one purpose. Only the SHA-256 of
-- a token is kept (as refresh_tokens keep theirs), with the address it was
-- sent to: a verification proves that address, which for an email change is
-- the new one, kept here until then (the fan's own stays in `users` and
-- keeps signing in). A newer token of the same purpose voids the others; a
-- token is spent once. Password reset tokens, of another purpose, can share
-- this table: `purpose` is what keeps one from being taken for the other.
create table email_tokens (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  purpose     text not null check (purpose ~ '^[a-z]+(-[a-z]+)*$'),
  token_hash  bytea not null unique,
  email       text not null check (email = lower(btrim(email)) and length(email) between 3 and 254),
  expires_at  timestamptz not null,
  used_at     timestamptz,
  voided_at   timestamptz,
  created_at  timestamptz not null default now()
);
-- The live tokens of a fan for a purpose: what a new one voids, what a resend looks for.
create index email_tokens_user_purpose_idx on email_tokens (user_id, purpose, created_at desc) where used_at is null and voided_at is null;
