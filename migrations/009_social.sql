-- Fans together: conversations and their messages, read markers, blocks and
-- reports, the club feed's posts and likes, and the WebSocket connections
-- that real-time pushes go to.

-- Membership stays `participants` (v2's column, set when the conversation is
-- made); a direct conversation also records its pair, in order, so that the
-- same two fans always find the same one.
alter table conversations
  add column title            text check (length(title) between 1 and 100),
  add column created_by       uuid references users (id) on delete set null,
  add column direct_pair      uuid[] check (direct_pair is null or cardinality(direct_pair) = 2),
  add column last_message_at  timestamptz;
create unique index conversations_direct_pair_key on conversations (direct_pair) where direct_pair is not null;

-- Messages are ordered by `seq`: timestamps tie, and a read marker names a position.
-- `client_id` is the sender's own id for a message, so that a resend does not post it twice.
alter table messages
  add column seq        bigint generated always as identity,
  add column client_id  text check (length(client_id) between 1 and 64);
create unique index messages_seq_key on messages (seq);
create index messages_conversation_seq_idx on messages (conversation_id, seq desc);
create unique index messages_client_id_key on messages (conversation_id, user_id, client_id) where client_id is not null;

-- How far each participant has read (a message's seq); unread counts follow from it.
create table conversation_reads (
  conversation_id  uuid not null references conversations (id) on delete cascade,
  user_id          uuid not null references users (id) on delete cascade,
  read_seq         bigint not null default 0,
  read_at          timestamptz not null default now(),
  primary key (conversation_id, user_id)
);

-- A fan blocked by another cannot message them nor see their posts.
create table user_blocks (
  blocker_id  uuid not null references users (id) on delete cascade,
  blocked_id  uuid not null references users (id) on delete cascade,
  created_at  timestamptz not null default now(),
  primary key (blocker_id, blocked_id),
  check (blocker_id <> blocked_id)
);
create index user_blocks_blocked_idx on user_blocks (blocked_id);

-- Messages reported for moderation, once per reporter.
create table message_reports (
  id           uuid primary key default gen_random_uuid(),
  message_id   uuid not null references messages (id) on delete cascade,
  reporter_id  uuid not null references users (id) on delete cascade,
  reason       text check (length(reason) between 1 and 500),
  status       text not null default 'open' check (status in ('open', 'dismissed', 'actioned')),
  created_at   timestamptz not null default now(),
  unique (message_id, reporter_id)
);

-- The club feed: fans' posts, seen by the fans of the same club.
create table posts (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  club_id     text not null references clubs (id) on delete cascade,
  text        text not null check (length(text) between 1 and 1000),
  like_count  integer not null default 0 check (like_count >= 0),
  created_at  timestamptz not null default now()
);
create index posts_club_created_idx on posts (club_id, created_at desc, id desc);

create table post_likes (
  post_id     uuid not null references posts (id) on delete cascade,
  user_id     uuid not null references users (id) on delete cascade,
  created_at  timestamptz not null default now(),
  primary key (post_id, user_id)
);

-- When a club's events and products appeared, for the feed's ranking.
alter table events add column created_at timestamptz not null default now();
alter table products add column created_at timestamptz not null default now();

-- Open WebSocket connections (API Gateway's connection ids) and whose they
-- are; `endpoint` is where postToConnection reaches them.
create table ws_connections (
  connection_id  text primary key,
  user_id        uuid not null references users (id) on delete cascade,
  endpoint       text not null,
  connected_at   timestamptz not null default now()
);
create index ws_connections_user_idx on ws_connections (user_id);
