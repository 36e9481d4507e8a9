-- Match tickets bought from the wallet (see 003 for movements): seats are
-- taken per category by a guarded update in the same statement as the
-- payment, so no seat is ever sold twice.

-- An event's seats left are the sum of its categories', read when asked:
-- a column kept up to date would make every purchase of any category queue
-- on the event's one row.
alter table events drop column seats_available;

-- Each ticket is an ERC-721-style collectible: its token id.
create sequence ticket_token_seq;
alter table tickets
  add column token_id bigint not null default nextval('ticket_token_seq') unique,
  alter column qr_code drop not null;

-- Buys `p_quantity` seats of category `p_category` of event `p_event`,
-- paid to the ticketing account's shard `p_shard`. A past event or a short
-- wallet is refused (stored); seats short is a conflict (PF409 `sold-out`).
create function ticket_purchase(p_claim jsonb, p_shard integer, p_event text, p_category text, p_quantity integer)
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
  total := seats.price * p_quantity;
  locked := ledger_lock_pair(me, '{}', '{}', array['ticketing'], p_shard);
  wallet := locked.mine;
  seller := locked.theirs;
  if ledger_shortfall(wallet, total) is not null then
    return movement_settle(p_claim, 422, ledger_shortfall(wallet, total), '{}');
  end if;
  update event_categories set available = available - p_quantity
  where event_id = p_event and category = p_category and available >= p_quantity;
  if not found then
    raise exception using errcode = 'PF409', message = 'sold-out',
      detail = format('Fewer than %s seats are left in %s.', p_quantity, p_category);
  end if;
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
  return movement_settle(p_claim, 201, jsonb_build_object('tickets', bought, 'event', to_jsonb(match), 'club', match.club), array[me]);
end $$;
