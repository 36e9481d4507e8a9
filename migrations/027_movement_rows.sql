-- What a movement asks of the one Postgres writer, a second step after
-- migration 026 (bench/wallet.ts measures it beside a plain SQL transfer).
-- Per transfer, counted by callgrind on a single-user Postgres with 2,000
-- fans: 2.74 M instructions before, 2.13 M after; the plain SQL transfer
-- 1.47 M.

-- 1. The Idempotency-Key's row is written once, with its outcome, where it
--    was inserted at the claim (in a sub-transaction, to catch its lock
--    wait) and updated at the settle, which on a full page wrote the row
--    and both its index entries again.
--
--    A duplicate arriving while the first still runs waits on a
--    transaction-level advisory lock named by the fan and the key, as it
--    waited on the row before: past the movement's lock timeout it is
--    PF409 `idempotency-in-flight`; once the first has committed it reads
--    the stored outcome and replays it. Two keys whose names hash alike
--    only take turns. A row with no status was claimed before this
--    migration and is still in flight: still a conflict. The claim
--    removes a row of the key past its time, so the settle inserts
--    plainly, with no arbiter to check first.
--
--    The claim reads the fan with the key: a token whose fan does not
--    exist is refused there (PF401), before any other table is written,
--    as the key's foreign key refused it when the row was inserted first.
--    That foreign key, the same lookup made again at the end, is dropped:
--    fans are never deleted (closing an account keeps its row and deletes
--    its keys: lib/accounts/closing.ts).
--
--    The key's length is checked by its type: a table's CHECK constraint
--    is parsed again from its stored text at the start of every statement
--    that writes the table, a domain's is kept parsed with the type. The
--    column takes the domain before the domain takes its check, so the
--    table is not rewritten; adding the check reads the keys (24 hours of
--    them) once, holding their writes meanwhile.
create domain idempotency_key as text;
alter table idempotency_keys alter column key type idempotency_key;
alter domain idempotency_key add constraint idempotency_key_length check (length(value) between 1 and 255);
alter table idempotency_keys drop constraint idempotency_keys_key_check;
alter table idempotency_keys drop constraint idempotency_keys_user_id_fkey;

-- 2. A movement's queries read a few rows each, by key. Planned generic
--    (migration 026), a lookup by `= any(array)` took a bitmap scan, built
--    for many rows: a hash table of pages and a sort of them, about 20,000
--    instructions each, three per transfer. The movement's transaction
--    plans index scans instead, set by the claim.
create or replace function movement_claim(p_claim jsonb) returns jsonb language plpgsql as $$
declare
  held constant bigint := hashtextextended((p_claim ->> 'user_id') || (p_claim ->> 'key'), 0);
  prior idempotency_keys;
begin
  -- Behind a transaction pooler the session is not ours: each movement sets
  -- its own lock wait, and its plans (migration 026).
  perform set_config('lock_timeout', p_claim ->> 'lock_timeout', true),
          set_config('plan_cache_mode', 'force_generic_plan', true),
          set_config('enable_bitmapscan', 'off', true);
  -- Only a wait needs the sub-transaction that catches its timeout.
  if not pg_try_advisory_xact_lock(held) then
    begin
      perform pg_advisory_xact_lock(held);
    exception when lock_not_available then
      raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
        detail = 'A request with this Idempotency-Key is still being processed; retry later.';
    end;
  end if;
  -- The fan is read with the key: a token whose fan does not exist claims
  -- nothing (PF401), as the key's row no longer does when it is inserted first.
  select k.* into prior from users u left join idempotency_keys k on k.user_id = u.id and k.key = p_claim ->> 'key'
  where u.id = (p_claim ->> 'user_id')::uuid;
  if not found then
    raise exception using errcode = 'PF401', message = 'account-gone';
  end if;
  if prior.user_id is null then
    return null;
  end if;
  if prior.created_at < now() - (p_claim ->> 'ttl')::interval then
    delete from idempotency_keys where user_id = prior.user_id and key = prior.key;
    return null;
  end if;
  if prior.fingerprint <> p_claim ->> 'fingerprint' then
    return jsonb_build_object('reused', true);
  end if;
  if prior.status is null then
    raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
      detail = 'A request with this Idempotency-Key is still being processed; retry later.';
  end if;
  return jsonb_build_object('status', prior.status, 'result', prior.result, 'legacy_body', prior.body, 'replayed', true);
end $$;

-- Stores the outcome with the claim; `p_fans` are the fans whose wallets
-- moved (their caches go stale).
create or replace function movement_settle(p_claim jsonb, p_status integer, p_result jsonb, p_fans uuid[]) returns jsonb language plpgsql as $$
begin
  insert into idempotency_keys (user_id, key, fingerprint, status, result)
  values ((p_claim ->> 'user_id')::uuid, p_claim ->> 'key', p_claim ->> 'fingerprint', p_status, p_result);
  return jsonb_build_object('status', p_status, 'result', p_result, 'fans', to_jsonb(p_fans));
end $$;

-- 3. A payment between two fans (a transfer, a request paid) locks their
--    two wallets with one query, by the fans' ids. Through
--    ledger_lock_pair it took ledger_lock's general search (fans by id or
--    email, platform accounts by shard: three queries and a set returned
--    through two functions).
--
--    The wallets of two fans, locked in wallet id order as every movement
--    takes its locks; `theirs` is null when `p_other` has no wallet (or is
--    null). Joined to users, not to wallets again: a row changed meanwhile
--    is re-checked against `user_id`, which never changes, so the lock
--    holds the row it waited for (see ledger_lock, migration 003).
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

-- 4. Less JSON. The balances read back only ever go to the API, as text:
--    built as json, not as jsonb, which is parsed into a tree, its keys
--    sorted, then written out as text again. A posted transfer reports
--    each fan's balance after it (`balances`) instead of every entry as a
--    row: that balance is all the API reads of the entries
--    (lib/wallet/ledger.ts), and what a replay renders again, so it is
--    stored with the key's outcome.
--
--    And the legs of a transfer travel as rows. ledger_leg made a jsonb
--    object of each leg (its ids written out as text) and ledger_post
--    parsed them back (jsonb_to_recordset). ledger_leg now makes a
--    `ledger_entry`, which the payments between fans and the top-up below
--    hand to ledger_post as an array; the other movements still pass
--    jsonb_build_array(ledger_leg(…), …), which makes the same JSON of the
--    rows as before, and the jsonb ledger_post turns it into the array
--    and posts through the one below.
create type ledger_entry as (wallet_id uuid, user_id uuid, type text, amount bigint, counterparty_wallet_id uuid, metadata jsonb);

drop function ledger_leg(ledger_account, text, bigint, ledger_account, jsonb);
-- One leg of a transfer, as ledger_post takes it.
create function ledger_leg(p_account ledger_account, p_type text, p_amount bigint, p_counterparty ledger_account, p_metadata jsonb)
returns ledger_entry language sql stable as $$
  select row(p_account.id, p_account.user_id, p_type, p_amount, p_counterparty.id, p_metadata)::ledger_entry
$$;

-- 5. Each wallet keeps the sequence of its newest entry (`entry_seq`),
--    drawn when its balance moves, under its lock, and given to that
--    entry: wallet_views reads it on the row it reads anyway, where it
--    searched the wallet's entries for it. Every entry is written by
--    ledger_post.
alter table wallets add column entry_seq bigint not null default 0;
update wallets w set entry_seq = coalesce((select max(t.seq) from transactions t where t.wallet_id = w.id), 0);

-- Posts one transfer: its legs (locked by the caller, summing to zero:
-- checked at commit), each entry with the balance after it. Returns
-- {transfer_id, created_at, balances: {fan's user id: their balance after it}}.
create function ledger_post(p_kind text, p_legs ledger_entry[], p_reverses uuid default null) returns jsonb language plpgsql as $$
declare
  posted jsonb;
begin
  with transfer as (
    insert into transfers (kind, reverses) values (p_kind, p_reverses) returning id, created_at
  ), legs as (
    select * from unnest(p_legs) as l
  ), moved as (
    update wallets w set balance = w.balance + l.amount, entry_seq = nextval('transactions_seq_seq'), updated_at = now()
    from legs l where w.id = any(array(select wallet_id from legs)) and w.id = l.wallet_id
    returning w.id, w.balance, w.entry_seq
  ), entries as (
    insert into transactions (seq, transfer_id, wallet_id, user_id, type, amount, balance_after, counterparty_wallet_id, metadata)
    overriding system value
    select moved.entry_seq, transfer.id, l.wallet_id, l.user_id, l.type, l.amount, moved.balance, l.counterparty_wallet_id, coalesce(l.metadata, '{}')
    from transfer cross join legs l join moved on moved.id = l.wallet_id
    returning user_id, balance_after
  )
  select jsonb_build_object(
    'transfer_id', transfer.id,
    'created_at', transfer.created_at,
    'balances', (select jsonb_object_agg(e.user_id, e.balance_after) from entries e where e.user_id is not null))
  into posted
  from transfer;
  return posted;
end $$;

create or replace function ledger_post(p_kind text, p_legs jsonb, p_reverses uuid default null) returns jsonb language plpgsql as $$
begin
  return ledger_post(p_kind, array(select jsonb_populate_recordset(null::ledger_entry, p_legs)), p_reverses);
end $$;

drop function wallet_views(jsonb);
-- As migration 012's: the wallets of the fans a movement moved, each with
-- the sequence of its newest entry, as json.
create function wallet_views(p_fans jsonb) returns json
language plpgsql volatile as $$
begin
  return (
    select coalesce(json_object_agg(w.user_id, json_build_object(
      'balance', w.balance, 'currency', w.currency, 'assets', w.assets, 'seq', w.entry_seq)), '{}')
    from wallets w
    where w.user_id = any (array(select jsonb_array_elements_text(coalesce(p_fans, '[]'))::uuid)));
end
$$;

-- Migration 003's two payments between fans, on the lock of 3, their legs
-- as rows; a transfer to an email looks its fan up only when named so.
create or replace function wallet_transfer(p_claim jsonb, p_to_user uuid, p_to_email text, p_amount bigint, p_note text)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  other uuid;
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
  other := p_to_user;
  if other is null then
    select id into other from users where email = p_to_email;
  end if;
  locked := ledger_lock_fans(me, other);
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
  posted := ledger_post('transfer', array[
    ledger_leg(mine, 'send', -p_amount, theirs, meta),
    ledger_leg(theirs, 'receive', p_amount, mine, meta)]);
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
  posted := ledger_post('request_payment', array[
    ledger_leg(payer, 'request_paid', -request.amount, requester, meta),
    ledger_leg(requester, 'request_received', request.amount, payer, meta)]);
  update money_requests set status = 'paid', transfer_id = (posted ->> 'transfer_id')::uuid, settled_at = now()
  where id = request.id
  returning * into request;
  return movement_settle(p_claim, 200, jsonb_build_object('request', to_jsonb(request) || jsonb_build_object(
    'requester_name', requester.name, 'payer_name', payer.name)), array[me, request.requester_id]);
end $$;

-- Migration 014's credit of a deposit, its legs as rows; the balance after
-- a payback taken from it is the fan's balance after both.
create or replace function deposit_credit(p_deposit deposits, p_received bigint, p_wallet ledger_account, p_funding ledger_account)
returns jsonb language plpgsql as $$
declare
  posted jsonb;
  recovered jsonb;
begin
  posted := ledger_post('deposit', array[
    ledger_leg(p_funding, 'funding', -p_received, p_wallet, '{}'),
    ledger_leg(p_wallet, 'deposit', p_received, p_funding, jsonb_build_object('method', p_deposit.method))]);
  update deposits set
    -- A chargeback can arrive before the confirmation it disputes.
    status = case when exists (select 1 from disputes where deposit_id = p_deposit.id and status <> 'won') then 'disputed' else 'succeeded' end,
    amount_received = p_received, transfer_id = (posted ->> 'transfer_id')::uuid, confirmed_at = now()
  where id = p_deposit.id;
  if p_wallet.frozen then
    recovered := chargeback_recover(p_wallet.user_id, p_funding);
    if recovered is not null then
      posted := jsonb_set(posted, '{balances}', (posted -> 'balances') || (recovered -> 'balances'));
    end if;
  end if;
  return posted;
end $$;
