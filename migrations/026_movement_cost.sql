-- What a movement costs the one Postgres writer (bench/wallet.ts measures
-- it beside a plain SQL transfer). Three things made a transfer cost twice
-- the plain one, none of them the ledger's own work:
--
-- 1. Plans made again on every call. A PL/pgSQL query is planned with its
--    parameters' values for its first five runs, then kept generic only if
--    the generic plan is not dearer than those; a generic plan over an
--    array parameter (`user_id = any(p_users)`) counts on ten rows where a
--    movement has two, and so lost that comparison forever, and the
--    function's queries were planned afresh on each call. A movement's
--    queries are the same shape every time: its transaction uses the plan
--    kept per connection (movement_claim, first in every fan's movement).
--    The queries below are written so that this plan reads by index
--    whatever the table sizes, never a scan and hash of every wallet.
-- 2. SQL functions declared immutable that call stable ones
--    (jsonb_build_object, to_char) cannot be inlined: each call of
--    ledger_shortfall or ledger_leg parsed and planned its body again.
--    Declared stable, which is what they are, they are inlined.
-- 3. ledger_lock joined the fans' names through a hash of the whole users
--    table when its plan was generic.

alter function ledger_shortfall(ledger_account, bigint) stable;
alter function ledger_leg(ledger_account, text, bigint, ledger_account, jsonb) stable;
alter function money_display(bigint) stable;
alter function payment_event_outcome(text, jsonb, uuid[]) stable;

create or replace function movement_claim(p_claim jsonb) returns jsonb language plpgsql as $$
declare
  claimed integer;
  prior idempotency_keys;
begin
  -- Behind a transaction pooler the session is not ours: each movement sets
  -- its own lock wait, and its plans (above: the one kept per connection).
  perform set_config('lock_timeout', p_claim ->> 'lock_timeout', true),
          set_config('plan_cache_mode', 'force_generic_plan', true);
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

-- The accounts are found one kind at a time and then locked. Each index
-- scan holds about 27 kB while it is open: found in one statement, as
-- before, a movement held six or seven at once, grew its backend's heap
-- past the allocator's trim threshold and gave it back to the kernel after
-- every movement. The fan's name and email are read per locked wallet
-- (OFFSET 0 keeps that lookup a nested one, by the users' key).
create or replace function ledger_lock(p_users uuid[], p_emails text[], p_platform text[], p_shard integer) returns setof ledger_account
language plpgsql as $$
declare
  ids uuid[] := array(select id from wallets where user_id = any(p_users));
begin
  if array_remove(p_emails, null) <> '{}' then
    ids := ids || array(select wallets.id from users join wallets on wallets.user_id = users.id where users.email = any(p_emails));
  end if;
  if p_platform <> '{}' then
    ids := ids || array(select id from wallets where system = any(p_platform) and shard = p_shard);
  end if;
  return query
    select w.id, w.user_id, w.system, u.email, u.name, w.balance, w.frozen
    from wallets w left join lateral (select email, name from users where users.id = w.user_id offset 0) u on true
    where w.id = any(ids)
    order by w.id
    for update of w;
end $$;

-- The wallets moved are found by their key (`w.id = any(…)`), not by
-- joining every wallet against the legs.
create or replace function ledger_post(p_kind text, p_legs jsonb, p_reverses uuid default null) returns jsonb language plpgsql as $$
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
    from legs l where w.id = any(array(select wallet_id from legs)) and w.id = l.wallet_id
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
