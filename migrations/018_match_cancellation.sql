-- A club's admin cancels a match: from that moment it sells nothing, its
-- tickets change no hands and open no gate, and every ticket's current
-- holder is refunded its face value from the ticketing account, one
-- movement per ticket, by a job that works in batches (a stadium's 40,000
-- tickets are not one transaction) and can be resumed by anyone after any
-- crash: a ticket's status is the guard, so none is refunded twice.

alter table events add column canceled_at timestamptz;

-- The refunds of a cancelled match, one job per match: `tickets` is how
-- many there are to refund (counted when the match was cancelled, made exact
-- when the job is done), `refunded` and `amount_refunded` how far it got.
create table event_cancellations (
  id               uuid primary key default gen_random_uuid(),
  event_id         text not null unique references events (id) on delete cascade,
  status           text not null default 'running' check (status in ('running', 'done')),
  tickets          integer not null check (tickets >= 0),
  refunded         integer not null default 0 check (refunded >= 0),
  amount_refunded  bigint not null default 0 check (amount_refunded >= 0),
  requested_by     uuid references users (id) on delete set null,
  created_at       timestamptz not null default now(),
  finished_at      timestamptz
);
-- What the scheduled resumer looks for.
create index event_cancellations_running_idx on event_cancellations (created_at) where status = 'running';

-- A ticket's refund is on the books once, whatever runs it: its fan's leg names it.
create unique index transactions_ticket_refund_idx on transactions ((metadata ->> 'ticket_id'))
  where type = 'refund' and user_id is not null and metadata ? 'ticket_id';

-- Tickets still to refund, found without reading the match's refunded ones.
create index tickets_event_open_idx on tickets (event_id, id) where status in ('valid', 'checked_in');

-- Withdraws the open resale offers of a cancelled match: its tickets are not for sale.
create function event_offers_withdraw(p_event text) returns void language plpgsql as $$
begin
  update resale_offers set status = 'withdrawn', settled_at = now() where event_id = p_event and status = 'listed';
end $$;

-- Cancels match `p_event` (locked by the caller) for `p_admin`: marks it,
-- withdraws its open resale offers and opens its refund job; cancelling it
-- again answers the same job. Returns the job.
create function event_cancel(p_event text, p_admin uuid) returns event_cancellations language plpgsql as $$
declare
  job event_cancellations;
begin
  select * into job from event_cancellations where event_id = p_event;
  if found then
    return job;
  end if;
  update events set canceled_at = now() where id = p_event;
  perform event_offers_withdraw(p_event);
  insert into event_cancellations (event_id, tickets, requested_by)
  values (p_event, (select count(*) from tickets where event_id = p_event and status in ('valid', 'checked_in')), p_admin)
  returning * into job;
  return job;
end $$;

-- Refunds up to `p_limit` tickets of job `p_job`, and counts them on the
-- job, in this one statement. The job's row is locked first (its lease: one
-- batch of a job runs at a time), then any offer listed while the match
-- was being cancelled (withdrawn: an offer is locked before its ticket, as
-- a resale locks them), then the tickets, skipping those a fan's
-- scan, gift or listing holds at this instant (a later batch takes them),
-- then every wallet the batch moves, in wallet id order as ledger_lock
-- takes them, so that it cannot deadlock with a fan's movement. Each
-- ticket's current holder gets its face value back from the ticketing
-- account's shard of theirs, in a refund that reverses the ticket's
-- purchase, both legs naming the ticket; the ticket is then `refunded`,
-- and its holder notified once for the match.
-- The job is done when no ticket is left. Answers as a movement does:
-- {status, result: {job, notified: the notifications recorded}, fans}
-- (the fans whose wallet caches go stale).
create function event_cancellation_batch(p_job uuid, p_limit integer) returns jsonb language plpgsql as $$
declare
  job event_cancellations;
  match events;
  batch tickets[];
  ticket tickets;
  fan ledger_account;
  till ledger_account;
  meta jsonb;
  fans uuid[];
  notified jsonb;
  amount bigint := 0;
begin
  select * into job from event_cancellations where id = p_job for update;
  if not found or job.status = 'done' then
    return jsonb_build_object('status', 200, 'result', jsonb_build_object('job', to_jsonb(job), 'notified', '[]'::jsonb), 'fans', '[]'::jsonb);
  end if;
  select * into match from events where id = job.event_id;
  perform event_offers_withdraw(job.event_id);
  select coalesce(array_agg(t order by t.id), '{}') into batch from (
    select * from tickets
    where event_id = job.event_id and status in ('valid', 'checked_in')
    order by id
    limit p_limit
    for update skip locked) t;
  select coalesce(array_agg(distinct b.user_id), '{}') into fans from unnest(batch) b;
  perform 1 from wallets w
  where w.id = any(array(
    select id from wallets where user_id = any(fans)
    union all
    select id from wallets where system = 'ticketing' and shard in (select ledger_shard(f) from unnest(fans) f)))
  order by w.id
  for update;
  foreach ticket in array batch loop
    -- A free ticket has nothing to give back: a ledger entry is never of zero.
    if ticket.price > 0 then
      select w.id, w.user_id, w.system, null, null, w.balance, w.frozen into fan from wallets w where w.user_id = ticket.user_id;
      select w.id, w.user_id, w.system, null, null, w.balance, w.frozen into till from wallets w
      where w.system = 'ticketing' and w.shard = ledger_shard(ticket.user_id);
      meta := jsonb_build_object('event_id', ticket.event_id, 'category', ticket.category, 'ticket_id', ticket.id);
      perform ledger_post('refund', jsonb_build_array(
        ledger_leg(till, 'refund', -ticket.price, fan, meta),
        ledger_leg(fan, 'refund', ticket.price, till, meta)), ticket.transfer_id);
      amount := amount + ticket.price;
    end if;
  end loop;
  update tickets set status = 'refunded' where id in (select b.id from unnest(batch) b);
  with told as (
    insert into notifications (user_id, kind, ref, payload)
    select f, 'event-canceled', match.id, jsonb_build_object(
      'event_id', match.id, 'title', match.title,
      'message', format('%s is cancelled: each of your tickets for it is refunded at its face value into your wallet.', match.title))
    from unnest(fans) f
    on conflict (user_id, kind, ref) do nothing
    returning user_id, id, kind, payload, created_at
  )
  select coalesce(jsonb_agg(to_jsonb(told)), '[]') into notified from told;
  update event_cancellations
  set refunded = refunded + cardinality(batch), amount_refunded = amount_refunded + amount
  where id = job.id
  returning * into job;
  if not exists (select 1 from tickets where event_id = job.event_id and status in ('valid', 'checked_in')) then
    -- Exact now, whatever a purchase racing the cancellation added.
    update event_cancellations set status = 'done', tickets = refunded, finished_at = now()
    where id = job.id
    returning * into job;
  end if;
  return jsonb_build_object('status', 200, 'result', jsonb_build_object('job', to_jsonb(job), 'notified', notified), 'fans', to_jsonb(fans));
end $$;

-- A ticket of a cancelled match changes no hands (008, now also refusing those).
create or replace function ticket_hold_check(p_ticket tickets) returns void language plpgsql as $$
declare
  open_offer uuid;
begin
  if p_ticket.status = 'checked_in' then
    raise exception using errcode = 'PF409', message = 'ticket-checked-in',
      detail = 'This ticket was checked in at the gate: it can no longer change hands.';
  end if;
  if p_ticket.status in ('refunded', 'cancelled') then
    raise exception using errcode = 'PF409', message = 'ticket-canceled', detail = format('This ticket is %s.', p_ticket.status);
  end if;
  if exists (select 1 from events where id = p_ticket.event_id and canceled_at is not null) then
    raise exception using errcode = 'PF409', message = 'ticket-canceled',
      detail = 'This match is cancelled: its tickets are being refunded to their holders.';
  end if;
  select id into open_offer from resale_offers where ticket_id = p_ticket.id and status = 'listed';
  if open_offer is not null then
    raise exception using errcode = 'PF409', message = 'ticket-listed',
      detail = 'This ticket is offered for resale: withdraw the offer first.', hint = jsonb_build_object('offer_id', open_offer)::text;
  end if;
end $$;

-- Gate check-in (008), now refusing every ticket of a cancelled match,
-- refunded yet or not, and one already checked in.
create or replace function ticket_check_in(p_steward uuid, p_event text, p_ticket uuid, p_holder uuid) returns jsonb language plpgsql as $$
declare
  match events;
  ticket tickets;
begin
  select * into match from events where id = p_event;
  if not found or not exists (
    select 1 from club_roles where user_id = p_steward and club_id = match.club and role = 'steward'
  ) then
    return '{"result": "forbidden"}';
  end if;
  select * into ticket from tickets where id = p_ticket for update;
  if not found or ticket.event_id <> p_event then
    return '{"result": "refused", "reason": "wrong_event"}';
  end if;
  if match.canceled_at is not null or ticket.status in ('refunded', 'cancelled') then
    return '{"result": "refused", "reason": "canceled"}';
  end if;
  if ticket.status = 'checked_in' then
    return jsonb_build_object('result', 'refused', 'reason', 'already_checked_in', 'checked_in_at', ticket.checked_in_at);
  end if;
  if ticket.user_id <> p_holder then
    return '{"result": "refused", "reason": "transferred"}';
  end if;
  if exists (select 1 from resale_offers where ticket_id = ticket.id and status = 'listed') then
    return '{"result": "refused", "reason": "listed_for_resale"}';
  end if;
  update tickets set status = 'checked_in', checked_in_at = now() where id = p_ticket returning * into ticket;
  return jsonb_build_object('result', 'admitted', 'ticket', ticket.id, 'category', ticket.category, 'checked_in_at', ticket.checked_in_at,
    'holder', (select jsonb_build_object('id', u.id, 'name', u.name) from users u where u.id = ticket.user_id));
end $$;

-- A purchase (015), now refused for a cancelled match (`event-canceled`, stored).
create or replace function ticket_purchase(p_claim jsonb, p_shard integer, p_event text, p_category text, p_quantity integer, p_pass boolean default false)
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
  if match.canceled_at is not null then
    return movement_settle(p_claim, 422, '{"refusal": "event-canceled"}', '{}');
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
