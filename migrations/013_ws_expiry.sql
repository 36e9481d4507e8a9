-- A connection is trusted for as long as the access token it was opened or
-- last renewed with (lib/realtime/connections.ts): a push skips it after
-- that and asks API Gateway to close it, so a fan signed out, or whose
-- tokens are no longer renewed, stops receiving within 15 minutes rather
-- than for as long as API Gateway keeps the socket (2 hours).
alter table ws_connections add column expires_at timestamptz not null default now() + interval '15 minutes';
