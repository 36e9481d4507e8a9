-- A payment between two fans (a transfer, a request paid) locks their two
-- wallets with one query, by the fans' ids. Through ledger_lock_pair it
-- took ledger_lock's general search (fans by id or email, platform
-- accounts by shard: three queries and a set returned through two
-- functions), 4% of the Postgres work of a whole transfer (callgrind, per
-- transfer: 2.63 M instructions before, 2.54 M after).

-- The wallets of two fans, locked in wallet id order as every movement
-- takes its locks; `theirs` is null when `p_other` has no wallet (or is
-- null). Joined to users, not to wallets again: a row changed meanwhile is
-- re-checked against `user_id`, which never changes, so the lock holds the
-- row it waited for (see ledger_lock, migration 003).
create function ledger_lock_fans(p_me uuid, p_other uuid, out mine ledger_account, out theirs ledger_account)
language plpgsql as $$
declare
  account ledger_account;
begin
  for account in
    select w.id, w.user_id, w.system, u.email, u.name, w.balance, w.frozen
    from wallets w join users u on u.id = w.user_id
    where w.user_id = any(array[p_me, p_other])
    order by w.id
    for update of w
  loop
    if account.user_id = p_me then mine := account; else theirs := account; end if;
  end loop;
end $$;

-- Migration 003's two payments between fans, their lock the one above.
create or replace function wallet_transfer(p_claim jsonb, p_to_user uuid, p_to_email text, p_amount bigint, p_note text)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  locked record;
  mine ledger_account;
  theirs ledger_account;
  meta constant jsonb := jsonb_strip_nulls(jsonb_build_object('note', p_note));
  posted jsonb;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  locked := ledger_lock_fans(me, coalesce(p_to_user, (select id from users where email = p_to_email)));
  mine := locked.mine;
  theirs := locked.theirs;
  if p_to_user = me or p_to_email = mine.email then
    return movement_settle(p_claim, 422, '{"refusal": "self-transfer"}', '{}');
  end if;
  if theirs.id is null then
    return movement_settle(p_claim, 404, '{"refusal": "fan-not-found"}', '{}');
  end if;
  if ledger_shortfall(mine, p_amount) is not null then
    return movement_settle(p_claim, 422, ledger_shortfall(mine, p_amount), '{}');
  end if;
  posted := ledger_post('transfer', jsonb_build_array(
    ledger_leg(mine, 'send', -p_amount, theirs, meta),
    ledger_leg(theirs, 'receive', p_amount, mine, meta)));
  return movement_settle(p_claim, 201, posted || jsonb_build_object('to', jsonb_build_object('id', theirs.user_id, 'name', theirs.name)),
                         array[me, theirs.user_id]);
end $$;

create or replace function money_request_pay(p_claim jsonb, p_request uuid) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  request money_requests;
  locked record;
  payer ledger_account;
  requester ledger_account;
  meta jsonb;
  posted jsonb;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into request from money_requests where id = p_request and payer_id = me for update;
  if not found then
    return movement_settle(p_claim, 404, '{"refusal": "request-not-found"}', '{}');
  end if;
  if request.status <> 'pending' then
    raise exception using errcode = 'PF409', message = 'request-settled', detail = format('This request is already %s.', request.status);
  end if;
  if request.expires_at <= now() then
    return movement_settle(p_claim, 422, '{"refusal": "request-expired"}', '{}');
  end if;
  locked := ledger_lock_fans(me, request.requester_id);
  payer := locked.mine;
  requester := locked.theirs;
  if ledger_shortfall(payer, request.amount) is not null then
    return movement_settle(p_claim, 422, ledger_shortfall(payer, request.amount), '{}');
  end if;
  meta := jsonb_strip_nulls(jsonb_build_object('request_id', request.id, 'note', request.note));
  posted := ledger_post('request_payment', jsonb_build_array(
    ledger_leg(payer, 'request_paid', -request.amount, requester, meta),
    ledger_leg(requester, 'request_received', request.amount, payer, meta)));
  update money_requests set status = 'paid', transfer_id = (posted ->> 'transfer_id')::uuid, settled_at = now()
  where id = request.id
  returning * into request;
  return movement_settle(p_claim, 200, jsonb_build_object('request', to_jsonb(request) || jsonb_build_object(
    'requester_name', requester.name, 'payer_name', payer.name)), array[me, request.requester_id]);
end $$;
