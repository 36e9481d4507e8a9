-- The on-sale rush: a match goes on sale at a time, behind a waiting room
-- that admits fans at a rate (lib/tickets/queue.ts, in Redis), with a limit
-- of tickets per fan; and each seat category is split in shards, so that
-- concurrent buyers of one category do not queue on one row's lock.

alter table events
  add column on_sale_at timestamptz,
  add column waiting_room boolean not null default false,
  add column admit_per_minute integer check (admit_per_minute > 0),
  add column max_per_fan integer not null default 6 check (max_per_fan >= 1);

-- A category's seats left, dealt in shards. Their sum is the seats left;
-- none goes below zero. `event_categories.available` now only says what a
-- category was created with (the shards are dealt from it); it is no longer
-- kept, and a later release drops it: seats left are `category_seats`'.
create table seat_shards (
  event_id   text not null,
  category   text not null,
  shard      smallint not null check (shard between 0 and 15),
  available  integer not null check (available >= 0),
  primary key (event_id, category, shard),
  foreign key (event_id, category) references event_categories (event_id, category) on delete cascade
);

-- A category's seats in up to 8 shards: as many as there are seats, so a small one keeps few.
create function seat_shards_deal() returns trigger language plpgsql as $$
begin
  insert into seat_shards (event_id, category, shard, available)
  select new.event_id, new.category, s, new.available / n + case when s < new.available % n then 1 else 0 end
  from (select greatest(1, least(8, new.available)) as n) k, generate_series(0, k.n - 1) as s;
  return null;
end $$;

create trigger event_categories_deal
  after insert on event_categories
  for each row execute function seat_shards_deal();

insert into seat_shards (event_id, category, shard, available)
select c.event_id, c.category, s, c.available / k.n + case when s < c.available % k.n then 1 else 0 end
from event_categories c
cross join lateral (select greatest(1, least(8, c.available)) as n) k
cross join lateral generate_series(0, k.n - 1) as s;

-- Each category with its seats left, as reads show them.
create view category_seats as
  select c.event_id, c.category, c.price, c.capacity, coalesce(sum(s.available), 0)::int as available
  from event_categories c
  left join seat_shards s on s.event_id = c.event_id and s.category = c.category
  group by c.event_id, c.category, c.price, c.capacity;

-- Takes `p_quantity` seats of a category, or raises PF409 `sold-out` (whose
-- hint says whether the whole match is). Mostly from one shard that holds
-- them all and that no other buyer holds (SKIP LOCKED), picked at random;
-- else, all such being busy or none holding that many, from the shards in
-- their order, waiting for each: the seats are sold out only when every
-- shard together holds fewer.
create function seats_take(p_event text, p_category text, p_quantity integer) returns void language plpgsql as $$
declare
  picked smallint;
  part record;
  left_to_take integer := p_quantity;
begin
  -- Picked first, then taken from: a subquery joined into the update may be run again for each shard.
  select shard into picked from seat_shards
  where event_id = p_event and category = p_category and available >= p_quantity
  order by random() limit 1
  for update skip locked;
  if found then
    update seat_shards set available = available - p_quantity where event_id = p_event and category = p_category and shard = picked;
    return;
  end if;
  for part in
    select shard, available from seat_shards
    where event_id = p_event and category = p_category and available > 0
    order by shard
    for update
  loop
    update seat_shards set available = available - least(left_to_take, part.available)
    where event_id = p_event and category = p_category and shard = part.shard;
    left_to_take := left_to_take - least(left_to_take, part.available);
    exit when left_to_take = 0;
  end loop;
  if left_to_take > 0 then
    -- The seats taken above go back with the raise: the match is sold out only if this category
    -- held none and no other holds any.
    raise exception using errcode = 'PF409', message = 'sold-out',
      detail = format('Fewer than %s seats are left in %s.', p_quantity, p_category),
      hint = jsonb_build_object('event_sold_out', left_to_take = p_quantity and not exists (
        select 1 from seat_shards where event_id = p_event and category <> p_category and available > 0))::text;
  end if;
end $$;

-- Buys `p_quantity` seats of category `p_category` of event `p_event`, paid
-- to the ticketing account's shard `p_shard`. Refused (stored): no such
-- match, a past one, one not yet on sale, one behind a waiting room without
-- the fan's pass (`p_pass`: checked by the API), a short or frozen wallet,
-- more tickets than the fan may hold for it; seats short is a conflict
-- (PF409 `sold-out`). The fan's tickets for the match are counted under
-- their wallet's lock, so that their concurrent purchases cannot pass the
-- limit together. `sold_out` in the result: the match has no seat left.
drop function ticket_purchase(jsonb, integer, text, text, integer);
create function ticket_purchase(p_claim jsonb, p_shard integer, p_event text, p_category text, p_quantity integer, p_pass boolean default false)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  locked record;
  wallet ledger_account;
  seller ledger_account;
  match events;
  seats event_categories;
  total bigint;
  refusal jsonb;
  held integer;
  posted jsonb;
  bought jsonb;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into match from events where id = p_event;
  select * into seats from event_categories where event_id = p_event and category = p_category;
  if match.id is null or seats.event_id is null then
    return movement_settle(p_claim, 404, '{"refusal": "event-not-found"}', '{}');
  end if;
  if match.date <= now() then
    return movement_settle(p_claim, 422, '{"refusal": "event-past"}', '{}');
  end if;
  if match.on_sale_at > now() then
    return movement_settle(p_claim, 422, jsonb_build_object('refusal', 'not-on-sale', 'on_sale_at', match.on_sale_at), '{}');
  end if;
  if match.waiting_room and not p_pass then
    return movement_settle(p_claim, 403, jsonb_build_object('refusal', 'queue-pass-required', 'event_id', match.id), '{}');
  end if;
  total := seats.price * p_quantity;
  locked := ledger_lock_pair(me, '{}', '{}', array['ticketing'], p_shard);
  wallet := locked.mine;
  seller := locked.theirs;
  refusal := ledger_shortfall(wallet, total);
  if refusal is not null then
    return movement_settle(p_claim, 422, refusal, '{}');
  end if;
  select count(*) into held from tickets where user_id = me and event_id = p_event and status in ('valid', 'checked_in');
  if held + p_quantity > match.max_per_fan then
    return movement_settle(p_claim, 422, jsonb_build_object('refusal', 'per-fan-limit', 'bought', held, 'limit', match.max_per_fan), '{}');
  end if;
  perform seats_take(p_event, p_category, p_quantity);
  posted := ledger_post('purchase', jsonb_build_array(
    ledger_leg(wallet, 'purchase', -total, seller, jsonb_build_object('event_id', p_event, 'category', p_category, 'quantity', p_quantity)),
    ledger_leg(seller, 'sale', total, wallet, jsonb_build_object('event_id', p_event))));
  with created as (
    insert into tickets (user_id, event_id, category, price, nft, transfer_id)
    select me, p_event, p_category, seats.price, true, (posted ->> 'transfer_id')::uuid
    from generate_series(1, p_quantity)
    returning *
  )
  select jsonb_agg(to_jsonb(created) order by created.token_id) into bought from created;
  return movement_settle(p_claim, 201, jsonb_build_object(
    'tickets', bought, 'event', to_jsonb(match), 'club', match.club,
    -- Asked of a waiting room's match only: its fans still waiting learn at once.
    'sold_out', case when match.waiting_room then not exists (select 1 from seat_shards where event_id = p_event and available > 0) else false end),
    array[me]);
end $$;
