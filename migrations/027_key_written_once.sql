-- The Idempotency-Key's row is written once, with its outcome, instead of
-- inserted at the claim and updated at the settle. The row that held the
-- claim was what a movement paid most for beyond the plain SQL transfer
-- (bench/wallet.ts): an insert in a sub-transaction (to catch its lock
-- wait), then an update that, on a full page, wrote the row and both its
-- index entries again.
--
-- A duplicate arriving while the first still runs now waits on a
-- transaction-level advisory lock named by the fan and the key, as it
-- waited on the row before: past the movement's lock timeout it is PF409
-- `idempotency-in-flight`; once the first has committed it reads the stored
-- outcome and replays it. Two keys whose names hash alike only take turns.
-- A row with no status is one claimed before this migration and still in
-- flight: still a conflict.
create or replace function movement_claim(p_claim jsonb) returns jsonb language plpgsql as $$
declare
  held constant bigint := hashtextextended((p_claim ->> 'user_id') || (p_claim ->> 'key'), 0);
  prior idempotency_keys;
begin
  -- Behind a transaction pooler the session is not ours: each movement sets
  -- its own lock wait, and its plans (migration 026: the one kept per connection).
  perform set_config('lock_timeout', p_claim ->> 'lock_timeout', true),
          set_config('plan_cache_mode', 'force_generic_plan', true);
  -- Only a wait needs the sub-transaction that catches its timeout.
  if not pg_try_advisory_xact_lock(held) then
    begin
      perform pg_advisory_xact_lock(held);
    exception when lock_not_available then
      raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
        detail = 'A request with this Idempotency-Key is still being processed; retry later.';
    end;
  end if;
  select * into prior from idempotency_keys
  where user_id = (p_claim ->> 'user_id')::uuid and key = p_claim ->> 'key'
    and created_at >= now() - (p_claim ->> 'ttl')::interval;
  if not found then
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
-- moved (their caches go stale). A row of the key past its time is taken
-- over, as the claim saw it expired.
create or replace function movement_settle(p_claim jsonb, p_status integer, p_result jsonb, p_fans uuid[]) returns jsonb language plpgsql as $$
begin
  insert into idempotency_keys (user_id, key, fingerprint, status, result)
  values ((p_claim ->> 'user_id')::uuid, p_claim ->> 'key', p_claim ->> 'fingerprint', p_status, p_result)
  on conflict (user_id, key) do update
    set fingerprint = excluded.fingerprint, status = excluded.status, body = null, result = excluded.result, created_at = now()
    where idempotency_keys.created_at < now() - (p_claim ->> 'ttl')::interval;
  -- Only a claim made the way before this migration, in flight as it ran,
  -- holds the key without the advisory lock: its movement is not stored twice.
  if not found then
    raise exception using errcode = 'PF409', message = 'idempotency-in-flight',
      detail = 'A request with this Idempotency-Key is still being processed; retry later.';
  end if;
  return jsonb_build_object('status', p_status, 'result', p_result, 'fans', to_jsonb(p_fans));
end $$;
