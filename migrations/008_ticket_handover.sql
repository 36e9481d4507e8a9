-- Tickets change hands: given to another fan, or resold to one at no more
-- than face value. Row locks keep one order everywhere: an offer before its
-- ticket, a ticket before any wallet; a scan, a gift or a listing locks the
-- ticket alone and only reads its offer, so nothing waits in a circle.

-- Every change of holder, kept: the ticket's history.
create table ticket_handovers (
  id           uuid primary key default gen_random_uuid(),
  ticket_id    uuid not null references tickets (id) on delete cascade,
  from_user    uuid not null references users (id) on delete cascade,
  to_user      uuid not null references users (id) on delete cascade,
  kind         text not null check (kind in ('transfer', 'resale')),
  -- What the new holder paid, for a resale.
  price        bigint check (price > 0),
  transfer_id  uuid references transfers (id),
  created_at   timestamptz not null default now()
);
create index ticket_handovers_ticket_idx on ticket_handovers (ticket_id, created_at, id);

-- A ticket offered by its holder to other fans at no more than its face value.
create table resale_offers (
  id           uuid primary key default gen_random_uuid(),
  ticket_id    uuid not null references tickets (id) on delete cascade,
  seller_id    uuid not null references users (id) on delete cascade,
  event_id     text not null references events (id) on delete cascade,
  price        bigint not null check (price > 0),
  status       text not null default 'listed' check (status in ('listed', 'sold', 'withdrawn')),
  buyer_id     uuid references users (id) on delete set null,
  transfer_id  uuid references transfers (id),
  created_at   timestamptz not null default now(),
  settled_at   timestamptz
);
-- At most one open offer per ticket; a listing racing another finds it here.
create unique index resale_offers_open_idx on resale_offers (ticket_id) where status = 'listed';
create index resale_offers_event_idx on resale_offers (event_id, price, id) where status = 'listed';

-- Why the ticket `p_ticket`, locked by the caller, cannot change hands or
-- be scanned now: a PF409 conflict (stores nothing), or nothing.
create function ticket_hold_check(p_ticket tickets) returns void language plpgsql as $$
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
  select id into open_offer from resale_offers where ticket_id = p_ticket.id and status = 'listed';
  if open_offer is not null then
    raise exception using errcode = 'PF409', message = 'ticket-listed',
      detail = 'This ticket is offered for resale: withdraw the offer first.', hint = jsonb_build_object('offer_id', open_offer)::text;
  end if;
end $$;

-- The holder gives ticket `p_ticket` to another fan (by id or email): the
-- codes issued to the giver stop working at once, since a gate checks the
-- holder a code names against the ticket's. Idempotent, as a movement.
create function ticket_hand_over(p_claim jsonb, p_ticket uuid, p_to_user uuid, p_to_email text) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  ticket tickets;
  recipient users;
  handover ticket_handovers;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into ticket from tickets where id = p_ticket and user_id = me for update;
  if not found then
    return movement_settle(p_claim, 404, '{"refusal": "ticket-not-found"}', '{}');
  end if;
  select * into recipient from users where id = p_to_user or email = p_to_email;
  if recipient.id = me then
    return movement_settle(p_claim, 422, '{"refusal": "self-handover"}', '{}');
  end if;
  if recipient.id is null then
    return movement_settle(p_claim, 404, '{"refusal": "fan-not-found"}', '{}');
  end if;
  perform ticket_hold_check(ticket);
  update tickets set user_id = recipient.id where id = ticket.id returning * into ticket;
  insert into ticket_handovers (ticket_id, from_user, to_user, kind)
  values (ticket.id, me, recipient.id, 'transfer')
  returning * into handover;
  insert into notifications (user_id, kind, ref, payload)
  select recipient.id, 'ticket-received', handover.id::text, jsonb_build_object(
    'ticket_id', ticket.id, 'event_id', ticket.event_id, 'from', giver.name,
    'message', format('%s sent you a ticket for %s.', giver.name, e.title))
  from users giver, events e where giver.id = me and e.id = ticket.event_id;
  return movement_settle(p_claim, 200, jsonb_build_object(
    'ticket', to_jsonb(ticket), 'event', (select to_jsonb(e) from events e where e.id = ticket.event_id),
    'to', jsonb_build_object('id', recipient.id, 'name', recipient.name), 'at', handover.created_at), '{}');
end $$;

-- The holder offers ticket `p_ticket` at `p_price`, at most its face value,
-- before the match. Answers {status, result} as a movement does, storing
-- nothing: listing twice is a conflict that names the open offer.
create function ticket_resale_offer(p_seller uuid, p_ticket uuid, p_price bigint) returns jsonb language plpgsql as $$
declare
  ticket tickets;
  match events;
  offer resale_offers;
begin
  select * into ticket from tickets where id = p_ticket and user_id = p_seller for update;
  if not found then
    return '{"status": 404, "result": {"refusal": "ticket-not-found"}}';
  end if;
  perform ticket_hold_check(ticket);
  select * into match from events where id = ticket.event_id;
  if match.date <= now() then
    return '{"status": 422, "result": {"refusal": "event-past"}}';
  end if;
  if p_price > ticket.price then
    return jsonb_build_object('status', 422, 'result', jsonb_build_object('refusal', 'above-face-value', 'face_value', ticket.price));
  end if;
  insert into resale_offers (ticket_id, seller_id, event_id, price)
  values (ticket.id, p_seller, ticket.event_id, p_price)
  returning * into offer;
  return jsonb_build_object('status', 201, 'result', jsonb_build_object('offer', to_jsonb(offer), 'ticket', to_jsonb(ticket), 'event', to_jsonb(match)));
end $$;

-- A fan buys resale offer `p_offer`: the buyer pays the seller and the
-- ticket changes hands in this one statement. The offer's row is locked
-- first, so of many buyers one gets it and the others find it sold (PF409
-- `offer-gone`, stored nothing: the key may be used again).
create function ticket_resale_buy(p_claim jsonb, p_offer uuid) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  offer resale_offers;
  match events;
  ticket tickets;
  locked record;
  buyer ledger_account;
  seller ledger_account;
  meta jsonb;
  posted jsonb;
  handover ticket_handovers;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into offer from resale_offers where id = p_offer for update;
  if not found then
    return movement_settle(p_claim, 404, '{"refusal": "offer-not-found"}', '{}');
  end if;
  if offer.status <> 'listed' then
    raise exception using errcode = 'PF409', message = 'offer-gone', detail = format('This offer is %s.', offer.status);
  end if;
  if offer.seller_id = me then
    return movement_settle(p_claim, 422, '{"refusal": "own-offer"}', '{}');
  end if;
  select * into match from events where id = offer.event_id;
  if match.date <= now() then
    return movement_settle(p_claim, 422, '{"refusal": "event-past"}', '{}');
  end if;
  select * into ticket from tickets where id = offer.ticket_id for update;
  -- A listed ticket can be neither given nor scanned, but an operator may cancel or refund it: then it is not for sale.
  if ticket.user_id is distinct from offer.seller_id or ticket.status <> 'valid' then
    raise exception using errcode = 'PF409', message = 'offer-gone', detail = 'This offer''s ticket is no longer the seller''s to sell.';
  end if;
  locked := ledger_lock_pair(me, array[offer.seller_id], '{}', '{}', 0);
  buyer := locked.mine;
  seller := locked.theirs;
  if ledger_shortfall(buyer, offer.price) is not null then
    return movement_settle(p_claim, 422, ledger_shortfall(buyer, offer.price), '{}');
  end if;
  meta := jsonb_build_object('resale_offer_id', offer.id, 'ticket_id', ticket.id, 'event_id', ticket.event_id);
  posted := ledger_post('purchase', jsonb_build_array(
    ledger_leg(buyer, 'purchase', -offer.price, seller, meta),
    ledger_leg(seller, 'sale', offer.price, buyer, meta)));
  update tickets set user_id = me where id = ticket.id returning * into ticket;
  insert into ticket_handovers (ticket_id, from_user, to_user, kind, price, transfer_id)
  values (ticket.id, offer.seller_id, me, 'resale', offer.price, (posted ->> 'transfer_id')::uuid)
  returning * into handover;
  update resale_offers set status = 'sold', buyer_id = me, transfer_id = handover.transfer_id, settled_at = now()
  where id = offer.id
  returning * into offer;
  insert into notifications (user_id, kind, ref, payload)
  values (offer.seller_id, 'ticket-resold', offer.id::text, jsonb_build_object(
    'ticket_id', ticket.id, 'event_id', ticket.event_id, 'price', offer.price,
    'message', format('Your ticket for %s was resold: €%s has been paid into your wallet.', match.title, to_char(offer.price / 100.0, 'FM999999990.00'))));
  return movement_settle(p_claim, 201, jsonb_build_object('ticket', to_jsonb(ticket), 'event', to_jsonb(match), 'offer', to_jsonb(offer)) || posted,
                         array[me, offer.seller_id]);
end $$;

-- Gate check-in (007), now also refusing a ticket offered for resale: its
-- holder may be about to sell it.
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
  if ticket.status = 'checked_in' then
    return jsonb_build_object('result', 'refused', 'reason', 'already_checked_in', 'checked_in_at', ticket.checked_in_at);
  end if;
  if ticket.status in ('refunded', 'cancelled') then
    return '{"result": "refused", "reason": "canceled"}';
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
