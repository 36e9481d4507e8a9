-- The v2.0.0 tables under v3's rules: money in bigint cents with a currency,
-- CHECKs on every quantity, foreign keys that cascade, the indexes the
-- queries use. Ledger entries are the exception to cascading: they are kept.

create table clubs (
  id          text primary key check (id ~ '^[A-Z0-9_]{2,40}$'),
  name        text not null,
  short_name  text not null,
  city        text not null,
  league      text not null
);

create table users (
  id          uuid primary key default gen_random_uuid(),
  email       text not null check (email = lower(btrim(email)) and length(email) between 3 and 254),
  password    text not null,
  name        text not null check (length(name) between 1 and 100),
  club_id     text references clubs (id) on delete set null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create unique index users_email_key on users (email);

-- Sessions: one family per login; each refresh spends a token and issues
-- the next. A spent token used again revokes the family.
create table refresh_tokens (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  family_id   uuid not null,
  token_hash  bytea not null unique,
  expires_at  timestamptz not null,
  spent_at    timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz not null default now()
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id);

-- A wallet is a ledger account: a fan's (user_id) or one of the platform's
-- (system: card funding, shop revenue, ticketing, eSIM). Only system
-- accounts may go below zero: card funding is where deposits come from.
create table wallets (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid unique references users (id) on delete restrict,
  system      text unique check (system ~ '^[a-z_]+$'),
  balance     bigint not null default 0,
  currency    char(3) not null default 'EUR' check (currency = 'EUR'),
  assets      jsonb not null default '{"collectibles": [], "points": 0}',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  check ((user_id is null) <> (system is null)),
  check (system is not null or balance >= 0)
);

insert into wallets (system) values ('card_funding'), ('shop_revenue'), ('ticketing'), ('esim');

-- One money movement: the header its entries point to.
create table transfers (
  id          uuid primary key default gen_random_uuid(),
  kind        text not null check (kind in ('deposit', 'transfer', 'request_payment', 'purchase', 'refund')),
  reverses    uuid references transfers (id),
  created_at  timestamptz not null default now()
);

-- The ledger: v2's `transactions`, one row per entry. The entries of a
-- transfer sum to zero (checked at commit); balance_after is the wallet's
-- balance right after the entry. Rows are never updated or deleted.
create table transactions (
  id                      uuid primary key default gen_random_uuid(),
  seq                     bigint generated always as identity unique,
  transfer_id             uuid not null references transfers (id),
  wallet_id               uuid not null references wallets (id),
  user_id                 uuid references users (id) on delete restrict,
  type                    text not null check (type in (
                            'deposit', 'send', 'receive', 'request_paid', 'request_received',
                            'purchase', 'sale', 'refund', 'funding')),
  amount                  bigint not null check (amount <> 0),
  balance_after           bigint not null,
  currency                char(3) not null default 'EUR',
  counterparty_wallet_id  uuid references wallets (id),
  metadata                jsonb not null default '{}',
  created_at              timestamptz not null default now()
);
create index transactions_wallet_seq_idx on transactions (wallet_id, seq desc);
create index transactions_transfer_idx on transactions (transfer_id);

create function ledger_transfer_balanced() returns trigger language plpgsql as $$
declare
  total numeric;
begin
  select coalesce(sum(amount), 0) into total from transactions where transfer_id = new.transfer_id;
  if total <> 0 then
    raise exception 'transfer % does not balance (sum %)', new.transfer_id, total using errcode = '23514';
  end if;
  return null;
end $$;

create constraint trigger transactions_balanced
  after insert on transactions
  deferrable initially deferred
  for each row execute function ledger_transfer_balanced();

create function ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'ledger entries are never updated or deleted; post a reversing transfer' using errcode = '23514';
end $$;

create trigger transactions_append_only
  before update or delete on transactions
  for each row execute function ledger_append_only();

-- Deposits are their own record so a payment provider's webhook can later
-- confirm one that is still pending; the ledger moves only on success.
create table deposits (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references users (id) on delete restrict,
  amount        bigint not null check (amount > 0),
  currency      char(3) not null default 'EUR',
  method        text not null,
  status        text not null check (status in ('pending', 'succeeded', 'failed')),
  provider_ref  text unique,
  transfer_id   uuid references transfers (id),
  created_at    timestamptz not null default now(),
  confirmed_at  timestamptz,
  check ((status = 'succeeded') = (transfer_id is not null))
);
create index deposits_user_created_idx on deposits (user_id, created_at desc);

create table money_requests (
  id            uuid primary key default gen_random_uuid(),
  requester_id  uuid not null references users (id) on delete cascade,
  payer_id      uuid not null references users (id) on delete cascade,
  amount        bigint not null check (amount > 0),
  currency      char(3) not null default 'EUR',
  note          text check (length(note) <= 140),
  status        text not null default 'pending' check (status in ('pending', 'paid', 'declined', 'cancelled')),
  transfer_id   uuid references transfers (id),
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null default now() + interval '7 days',
  settled_at    timestamptz,
  check (requester_id <> payer_id),
  check ((status = 'paid') = (transfer_id is not null))
);
create index money_requests_payer_idx on money_requests (payer_id, created_at desc, id desc);
create index money_requests_requester_idx on money_requests (requester_id, created_at desc, id desc);

-- Stripe-style idempotency: the outcome of the first request per (user, key).
create table idempotency_keys (
  user_id      uuid not null references users (id) on delete cascade,
  key          text not null check (length(key) between 1 and 255),
  fingerprint  text not null,
  status       integer,
  body         text,
  created_at   timestamptz not null default now(),
  primary key (user_id, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

create table esim_plans (
  id         text primary key,
  name       text not null,
  region     text not null,
  data       text not null,
  data_mb    integer not null check (data_mb > 0),
  duration   integer not null check (duration > 0),
  countries  text[] not null default '{}',
  price      bigint not null check (price >= 0),
  currency   char(3) not null default 'EUR',
  popular    boolean not null default false
);

create table esim_active (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null unique references users (id) on delete cascade,
  plan_id       text not null references esim_plans (id),
  activated_at  timestamptz not null default now(),
  expires_at    timestamptz not null,
  data_total    integer not null check (data_total > 0),
  data_used     integer not null default 0 check (data_used >= 0 and data_used <= data_total),
  qr_code       text not null
);

create table products (
  id         text primary key,
  name       text not null,
  club       text not null references clubs (id) on delete cascade,
  category   text not null,
  price      bigint not null check (price >= 0),
  old_price  bigint check (old_price is null or old_price >= price),
  discount   integer not null default 0 check (discount between 0 and 100),
  currency   char(3) not null default 'EUR',
  stock      integer not null check (stock >= 0),
  nft        boolean not null default false,
  image      text
);
create index products_club_category_idx on products (club, category, id);

create table cart (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  product_id  text not null references products (id) on delete cascade,
  quantity    integer not null check (quantity > 0),
  added_at    timestamptz not null default now(),
  unique (user_id, product_id)
);

create table orders (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references users (id) on delete cascade,
  items        jsonb not null,
  total        bigint not null check (total >= 0),
  currency     char(3) not null default 'EUR',
  status       text not null check (status in ('paid', 'shipped', 'delivered', 'refunded', 'cancelled')),
  transfer_id  uuid references transfers (id),
  created_at   timestamptz not null default now()
);
create index orders_user_created_idx on orders (user_id, created_at desc, id desc);

create table events (
  id               text primary key,
  title            text not null,
  club             text not null references clubs (id) on delete cascade,
  date             timestamptz not null,
  venue            text not null,
  competition      text not null,
  price_from       bigint not null check (price_from >= 0),
  currency         char(3) not null default 'EUR',
  seats_available  integer not null check (seats_available >= 0),
  hot              boolean not null default false,
  vip              boolean not null default false
);
create index events_club_date_idx on events (club, date, id);

-- Seats per category: the stock a ticket purchase decrements.
create table event_categories (
  event_id   text not null references events (id) on delete cascade,
  category   text not null,
  price      bigint not null check (price >= 0),
  capacity   integer not null check (capacity >= 0),
  available  integer not null check (available >= 0 and available <= capacity),
  primary key (event_id, category)
);

create table tickets (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references users (id) on delete cascade,
  event_id      text not null references events (id) on delete cascade,
  category      text not null,
  price         bigint not null check (price >= 0),
  currency      char(3) not null default 'EUR',
  qr_code       text not null,
  nft           boolean not null default true,
  blockchain    jsonb not null default '{}',
  status        text not null default 'valid' check (status in ('valid', 'checked_in', 'refunded', 'cancelled')),
  transfer_id   uuid references transfers (id),
  created_at    timestamptz not null default now(),
  checked_in_at timestamptz,
  foreign key (event_id, category) references event_categories (event_id, category)
);
create index tickets_user_created_idx on tickets (user_id, created_at desc, id desc);
create index tickets_event_idx on tickets (event_id);

create table conversations (
  id            uuid primary key default gen_random_uuid(),
  participants  uuid[] not null check (cardinality(participants) >= 2),
  last_message  text,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index conversations_participants_idx on conversations using gin (participants);

create table messages (
  id               uuid primary key default gen_random_uuid(),
  conversation_id  uuid not null references conversations (id) on delete cascade,
  user_id          uuid not null references users (id) on delete cascade,
  message          text not null check (length(message) between 1 and 4000),
  timestamp        timestamptz not null default now(),
  read             boolean not null default false
);
create index messages_conversation_idx on messages (conversation_id, timestamp desc, id desc);

create table ai_recommendations (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  type        text not null,
  title       text not null,
  content     text not null,
  tags        jsonb not null default '[]',
  confidence  numeric(4, 3) not null check (confidence between 0 and 1),
  created_at  timestamptz not null default now()
);
create index ai_recommendations_user_idx on ai_recommendations (user_id, created_at desc);

create table ai_insights (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null unique references users (id) on delete cascade,
  favorite_team    jsonb not null default '{}',
  favorite_player  jsonb not null default '{}',
  shopping_style   jsonb not null default '{}',
  predictions      jsonb not null default '[]',
  updated_at       timestamptz not null default now()
);
