-- Sessions a fan can see and end, password change and reset.
--
-- A session is a refresh-token family: each row is one token issued to it,
-- at login or at a refresh, and the browser or app it was issued to.
alter table refresh_tokens add column user_agent text check (length(user_agent) <= 512);
-- A fan's live sessions, newest first, without reading their spent tokens.
create index refresh_tokens_user_live_idx on refresh_tokens (user_id, family_id) where revoked_at is null and spent_at is null;

-- Sessions ended within an access token's lifetime, which a job copies to
-- Redis again every minute (lib/auth/revocation.ts).
create index refresh_tokens_revoked_idx on refresh_tokens (revoked_at) where revoked_at is not null;

-- Access tokens issued before this instant are void (a password reset ends
-- every session): Postgres's copy of the cutoff Redis holds for 15 minutes,
-- read when Redis cannot answer.
alter table users add column sessions_valid_after timestamptz;
create index users_sessions_valid_after_idx on users (sessions_valid_after) where sessions_valid_after is not null;

-- A WebSocket connection belongs to the session whose access token opened
-- it, so that ending that session closes it. Null for those opened before.
alter table ws_connections add column session_id uuid;
create index ws_connections_session_idx on ws_connections (session_id);

-- Single-use links mailed to a fan, stored as the SHA-256 of the token with
-- what it may be spent on. Only 'password-reset' here; email verification
-- keeps its own tokens with their own purpose, and the two can become one
-- table by that column.
create table password_reset_tokens (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  purpose     text not null default 'password-reset' check (purpose = 'password-reset'),
  token_hash  bytea not null unique,
  expires_at  timestamptz not null,
  used_at     timestamptz,
  created_at  timestamptz not null default now()
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id) where used_at is null;
