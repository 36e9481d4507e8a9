-- Matches put on sale and changed from the club's back office
-- (lib/tickets/admin-events.ts). `events.country` is migration 010's.

-- Sets a category's capacity, up or down, but never below the seats it has
-- sold (PF409 `capacity-below-sold`, whose hint holds `sold`). Every shard
-- of the category is locked first, in the order seats_take's second pass
-- locks them: a purchase that has taken seats has committed or waits, so
-- what is sold is known and stays so until this commits, and no purchase
-- can take a seat the new capacity no longer has. The seats left are then
-- dealt again over as many shards as a category of that size is created
-- with (never fewer than it has: a buyer may be waiting on one). Answers
-- the capacity before, and the seats sold.
create or replace function event_category_resize(p_event text, p_category text, p_capacity integer) returns jsonb language plpgsql as $$
declare
  before_capacity integer;
  shards integer;
  seats_left integer;
  sold integer;
  left_after integer;
  n integer;
begin
  select capacity into before_capacity from event_categories
  where event_id = p_event and category = p_category
  for no key update;
  perform 1 from seat_shards where event_id = p_event and category = p_category order by shard for update;
  select count(*)::int, coalesce(sum(available), 0)::int into shards, seats_left
  from seat_shards where event_id = p_event and category = p_category;
  sold := before_capacity - seats_left;
  if p_capacity < sold then
    raise exception using errcode = 'PF409', message = 'capacity-below-sold',
      detail = format('%s seats of %s are sold: its capacity cannot go below that.', sold, p_category),
      hint = jsonb_build_object('category', p_category, 'sold', sold)::text;
  end if;
  left_after := p_capacity - sold;
  n := greatest(shards, least(8, greatest(1, left_after)));
  insert into seat_shards (event_id, category, shard, available)
  select p_event, p_category, s, 0 from generate_series(shards, n - 1) as s;
  update seat_shards set available = left_after / n + case when shard < left_after % n then 1 else 0 end
  where event_id = p_event and category = p_category;
  -- `available` is only what the category was created with (migration 015), held within its check.
  update event_categories set capacity = p_capacity, available = least(available, p_capacity)
  where event_id = p_event and category = p_category;
  return jsonb_build_object('capacity', before_capacity, 'sold', sold);
end $$;
