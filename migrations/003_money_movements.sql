-- A money movement is one statement: a call to its function below, which
-- claims the Idempotency-Key, locks the wallets in id order, checks, posts
-- the legs and stores the outcome, and commits with that statement. One
-- round trip on a prepared connection, two behind a transaction pooler (the
-- describe of an unprepared statement), where a transaction of separate
-- statements took six to twelve; and the wallets stay locked only while the
-- function runs and the commit is flushed, not across round trips.
--
-- The functions that run statements are PL/pgSQL, whose plans each
-- connection caches; a SQL-language function is planned again on every call.
--
-- An outcome is stored as its facts (`result`), rendered into the response
-- by the API the same way the first time and on every replay. Rows stored
-- before this migration keep their rendered `body`.

alter table idempotency_keys add column result jsonb;

-- A ledger account as the movement functions see it, locked.
create type ledger_account as (id uuid, user_id uuid, system text, email text, name text, balance bigint);

-- Claims the key of `p_claim` ({user_id, key, fingerprint, ttl, lock_timeout}):
-- null when this transaction now owns it, else what to answer instead (the
-- stored outcome, or {reused} for the key sent with another request). A
-- duplicate arriving while the first still runs waits on its row; past the
-- lock timeout it fails with PF409 `idempotency-in-flight`. (PF409: a
-- conflict that stores nothing, its slug the message and its text the detail.)
create function movement_claim(p_claim jsonb) returns jsonb language plpgsql as $$
declare
  claimed integer;
  prior idempotency_keys;
begin
  -- Behind a transaction pooler the session is not ours: each movement sets its own lock wait.
  perform set_config('lock_timeout', p_claim ->> 'lock_timeout', true);
  begin
    insert into idempotency_keys (user_id, key, fingerprint)
    values ((p_claim ->> 'user_id')::uuid, p_claim ->> 'key', p_claim ->> 'fingerprint')
    on conflict (user_id, key) do update
      set fingerprint = excluded.fingerprint, status = null, body = null, result = null, created_at = now()
      where idempotency_keys.created_at < now() - (p_claim ->> 'ttl')::interval;
    get diagnostics claimed = row_count;
  exception when lock_not_available then
    raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
      detail = 'A request with this Idempotency-Key is still being processed; retry later.';
  end;
  if claimed = 1 then
    return null;
  end if;
  select * into prior from idempotency_keys where user_id = (p_claim ->> 'user_id')::uuid and key = p_claim ->> 'key';
  if prior.fingerprint <> p_claim ->> 'fingerprint' then
    return jsonb_build_object('reused', true);
  end if;
  if prior.status is null then
    raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
      detail = 'A request with this Idempotency-Key is still being processed; retry later.';
  end if;
  return jsonb_build_object('status', prior.status, 'result', prior.result, 'legacy_body', prior.body, 'replayed', true);
end $$;

-- Stores the outcome with the claim; `p_fans` are the fans whose wallets moved (their caches go stale).
create function movement_settle(p_claim jsonb, p_status integer, p_result jsonb, p_fans uuid[]) returns jsonb language plpgsql as $$
begin
  update idempotency_keys set status = p_status, result = p_result
  where user_id = (p_claim ->> 'user_id')::uuid and key = p_claim ->> 'key';
  return jsonb_build_object('status', p_status, 'result', p_result, 'fans', to_jsonb(p_fans));
end $$;

-- A refusal decided before any lock (a limit): stored as the key's outcome all the same.
create function movement_refuse(p_claim jsonb, p_status integer, p_result jsonb) returns jsonb language plpgsql as $$
begin
  return coalesce(movement_claim(p_claim), movement_settle(p_claim, p_status, p_result, '{}'));
end $$;

-- Locks the wallets of these fans (by id or email) and the platform
-- accounts' shard `p_shard`, in wallet id order: every movement takes its
-- locks in that one order, so two movements can wait on each other but never
-- deadlock. The ids are computed first, as an array: Postgres re-checks a row
-- changed meanwhile against the plain `w.id = any(…)`, whereas re-checking a
-- join against a subquery over the same table can drop the row it just locked.
create function ledger_lock(p_users uuid[], p_emails text[], p_platform text[], p_shard integer) returns setof ledger_account
language plpgsql as $$
begin
  return query
    select w.id, w.user_id, w.system, u.email, u.name, w.balance
    from wallets w left join users u on u.id = w.user_id
    where w.id = any(array(
      select id from wallets where user_id = any(p_users)
      union all
      select wallets.id from users join wallets on wallets.user_id = users.id where users.email = any(p_emails)
      union all
      select id from wallets where system = any(p_platform) and shard = p_shard))
    order by w.id
    for update of w;
end $$;

-- The two accounts of a movement between a fan and one other account (a
-- fan, or a platform account's shard), locked by ledger_lock: `mine` is the
-- fan's wallet, `theirs` the other, null when there is no such account.
create function ledger_lock_pair(p_me uuid, p_users uuid[], p_emails text[], p_platform text[], p_shard integer,
                                 out mine ledger_account, out theirs ledger_account)
language plpgsql as $$
declare
  account ledger_account;
begin
  for account in select * from ledger_lock(array_append(p_users, p_me), p_emails, p_platform, p_shard) loop
    if account.user_id = p_me then mine := account; else theirs := account; end if;
  end loop;
end $$;

-- Posts one transfer: its legs ([{wallet_id, user_id, type, amount,
-- counterparty_wallet_id, metadata}], locked by ledger_lock, summing to
-- zero: checked at commit), each entry with the balance after it, and the
-- new balances; a refund names the transfer it `p_reverses`. Returns {transfer_id, created_at, entries: [{id, wallet_id, user_id, balance_after}]}.
create function ledger_post(p_kind text, p_legs jsonb, p_reverses uuid default null) returns jsonb language plpgsql as $$
declare
  posted jsonb;
begin
  with transfer as (
    insert into transfers (kind, reverses) values (p_kind, p_reverses) returning id, created_at
  ), legs as (
    select * from jsonb_to_recordset(p_legs) as l (
      wallet_id uuid, user_id uuid, type text, amount bigint, counterparty_wallet_id uuid, metadata jsonb)
  ), moved as (
    update wallets w set balance = w.balance + l.amount, updated_at = now()
    from legs l where w.id = l.wallet_id
    returning w.id, w.balance
  ), entries as (
    insert into transactions (transfer_id, wallet_id, user_id, type, amount, balance_after, counterparty_wallet_id, metadata)
    select transfer.id, l.wallet_id, l.user_id, l.type, l.amount, moved.balance, l.counterparty_wallet_id, coalesce(l.metadata, '{}')
    from transfer cross join legs l join moved on moved.id = l.wallet_id
    returning id, wallet_id, user_id, balance_after
  )
  select jsonb_build_object(
    'transfer_id', transfer.id,
    'created_at', transfer.created_at,
    'entries', (select jsonb_agg(to_jsonb(entries)) from entries))
  into posted
  from transfer;
  return posted;
end $$;

-- The refusal of a fan wallet that cannot pay `p_amount`, or null.
create function ledger_shortfall(p_account ledger_account, p_amount bigint) returns jsonb language sql immutable as $$
  select case when p_account.balance < p_amount
    then jsonb_build_object('refusal', 'insufficient-funds', 'balance', p_account.balance, 'required', p_amount) end
$$;

-- One leg of a transfer, as ledger_post takes it.
create function ledger_leg(p_account ledger_account, p_type text, p_amount bigint, p_counterparty ledger_account, p_metadata jsonb)
returns jsonb language sql immutable as $$
  select jsonb_build_object('wallet_id', p_account.id, 'user_id', p_account.user_id, 'type', p_type, 'amount', p_amount,
                            'counterparty_wallet_id', p_counterparty.id, 'metadata', p_metadata)
$$;

-- A fan pays another, named by user id or email.
create function wallet_transfer(p_claim jsonb, p_to_user uuid, p_to_email text, p_amount bigint, p_note text)
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
  locked := ledger_lock_pair(me, array[p_to_user], array[p_to_email], '{}', 0);
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

-- A top-up from the card-funding account (its shard `p_shard`), within
-- `p_daily_max` per rolling 24 hours, read under the wallet's lock so that
-- concurrent deposits cannot both slip under it.
create function wallet_deposit(p_claim jsonb, p_shard integer, p_amount bigint, p_method text, p_daily_max bigint)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  locked record;
  wallet ledger_account;
  funding ledger_account;
  total bigint;
  posted jsonb;
  deposit_id uuid;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  locked := ledger_lock_pair(me, '{}', '{}', array['card_funding'], p_shard);
  wallet := locked.mine;
  funding := locked.theirs;
  select coalesce(sum(amount), 0) into total from deposits
  where user_id = me and status <> 'failed' and created_at > now() - interval '24 hours';
  if total + p_amount > p_daily_max then
    return movement_settle(p_claim, 422, jsonb_build_object(
      'refusal', 'daily-deposit-limit', 'limit', p_daily_max, 'remaining', greatest(0, p_daily_max - total)), '{}');
  end if;
  posted := ledger_post('deposit', jsonb_build_array(
    ledger_leg(funding, 'funding', -p_amount, wallet, '{}'),
    ledger_leg(wallet, 'deposit', p_amount, funding, jsonb_build_object('method', p_method))));
  insert into deposits (user_id, amount, method, status, transfer_id, confirmed_at)
  values (me, p_amount, p_method, 'succeeded', (posted ->> 'transfer_id')::uuid, now())
  returning id into deposit_id;
  return movement_settle(p_claim, 201, posted || jsonb_build_object('deposit_id', deposit_id), array[me]);
end $$;

-- The payer pays a pending request made to them, once. A request already
-- settled is a conflict (PF409 `request-settled`, not stored: the key may be
-- used again); one past its date is refused.
create function money_request_pay(p_claim jsonb, p_request uuid) returns jsonb language plpgsql as $$
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
  locked := ledger_lock_pair(me, array[request.requester_id], '{}', '{}', 0);
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
