-- Recommendations, insights and predictions drawn from what fans do.

-- Where a match is played (ISO 3166-1 alpha-2): an away match abroad calls for an eSIM that covers it.
alter table events add column country char(2) not null default 'FR' check (country ~ '^[A-Z]{2}$');

-- The player a product is about (a flocked jersey, a collector card): the fan's favourite player follows from them.
alter table products add column player text check (length(player) between 1 and 100);

-- A recommendation names what it recommends: a product, an event or an eSIM plan, by id.
alter table ai_recommendations
  add column item text not null default '' check (length(item) <= 64),
  add column reason jsonb not null default '{}';
create index ai_recommendations_user_item_idx on ai_recommendations (user_id, type, item);

-- What a fan said of an item recommended: "useful" counts toward it, "not_interested" hides it for good.
create table ai_feedback (
  user_id     uuid not null references users (id) on delete cascade,
  type        text not null check (type in ('product', 'event', 'esim_plan')),
  item        text not null check (length(item) between 1 and 64),
  feedback    text not null check (feedback in ('useful', 'not_interested')),
  created_at  timestamptz not null default now(),
  primary key (user_id, type, item)
);
