-- Travel eSIMs bought from the wallet (see 003 for movements), their usage
-- as the carrier reports it, and the fan's notifications.

-- One eSIM per fan, as in v2: a new activation replaces one that has
-- expired or run out. The carrier's identifiers come with it.
alter table esim_active
  add column iccid text unique,
  add column activation_code text,
  add column usage_at timestamptz;

create table notifications (
  id          uuid primary key default gen_random_uuid(),
  user_id     uuid not null references users (id) on delete cascade,
  kind        text not null,
  -- What it is about (an eSIM's ICCID and threshold): a notification is recorded once.
  ref         text not null,
  payload     jsonb not null default '{}',
  created_at  timestamptz not null default now(),
  unique (user_id, kind, ref)
);
create index notifications_user_created_idx on notifications (user_id, created_at desc, id desc);

-- Pays plan `p_plan` from the fan's wallet to the esim account's shard
-- `p_shard` (the eSIM itself is the caller's to write). `refusal` is what to
-- answer instead (no such plan, a short wallet), stored with the claim; null
-- once paid, with the plan.
create function esim_charge(p_claim jsonb, p_shard integer, p_plan text, p_metadata jsonb,
                            out refusal jsonb, out plan esim_plans) language plpgsql as $$
declare
  locked record;
  wallet ledger_account;
  seller ledger_account;
begin
  select * into plan from esim_plans where id = p_plan;
  if not found then
    refusal := movement_settle(p_claim, 404, '{"refusal": "plan-not-found"}', '{}');
    return;
  end if;
  locked := ledger_lock_pair((p_claim ->> 'user_id')::uuid, '{}', '{}', array['esim'], p_shard);
  wallet := locked.mine;
  seller := locked.theirs;
  refusal := ledger_shortfall(wallet, plan.price);
  if refusal is not null then
    refusal := movement_settle(p_claim, 422, refusal, '{}');
    return;
  end if;
  perform ledger_post('purchase', jsonb_build_array(
    ledger_leg(wallet, 'purchase', -plan.price, seller, p_metadata || jsonb_build_object('esim_plan', plan.id)),
    ledger_leg(seller, 'sale', plan.price, wallet, jsonb_build_object('esim_plan', plan.id))));
end $$;

-- Buys plan `p_plan` and activates the eSIM the carrier ordered for it
-- (`p_esim`: {iccid, activation_code, qr_code}). While the fan's eSIM is
-- still active this is a conflict (PF409 `esim-active`): more data is a
-- top-up. The eSIM's row is locked before the wallets, as in a top-up.
create function esim_activate(p_claim jsonb, p_shard integer, p_plan text, p_esim jsonb) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  current esim_active;
  charged record;
  activated esim_active;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into current from esim_active where user_id = me for update;
  if found and current.expires_at > now() and current.data_used < current.data_total then
    raise exception using errcode = 'PF409', message = 'esim-active',
      detail = 'You already have an active eSIM: add data to it with POST /api/esim/active/top-up.';
  end if;
  charged := esim_charge(p_claim, p_shard, p_plan, jsonb_build_object('iccid', p_esim ->> 'iccid'));
  if charged.refusal is not null then
    return charged.refusal;
  end if;
  insert into esim_active (user_id, plan_id, activated_at, expires_at, data_total, data_used, qr_code, iccid, activation_code, usage_at)
  values (me, (charged.plan).id, now(), now() + make_interval(days => (charged.plan).duration), (charged.plan).data_mb, 0,
          p_esim ->> 'qr_code', p_esim ->> 'iccid', p_esim ->> 'activation_code', null)
  on conflict (user_id) do update set
    plan_id = excluded.plan_id, activated_at = excluded.activated_at, expires_at = excluded.expires_at,
    data_total = excluded.data_total, data_used = 0, qr_code = excluded.qr_code, iccid = excluded.iccid,
    activation_code = excluded.activation_code, usage_at = null
  returning * into activated;
  return movement_settle(p_claim, 201, jsonb_build_object('esim', to_jsonb(activated), 'plan', to_jsonb(charged.plan)), array[me]);
end $$;

-- Adds plan `p_plan`'s data to the fan's eSIM and extends its expiry by the
-- plan's days (from now, if it had expired), paid like an activation.
create function esim_top_up(p_claim jsonb, p_shard integer, p_plan text) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  charged record;
  topped esim_active;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  perform 1 from esim_active where user_id = me for update;
  if not found then
    return movement_settle(p_claim, 404, '{"refusal": "no-esim"}', '{}');
  end if;
  charged := esim_charge(p_claim, p_shard, p_plan, '{"top_up": true}');
  if charged.refusal is not null then
    return charged.refusal;
  end if;
  update esim_active set
    data_total = data_total + (charged.plan).data_mb,
    expires_at = greatest(expires_at, now()) + make_interval(days => (charged.plan).duration)
  where user_id = me
  returning * into topped;
  return movement_settle(p_claim, 200, jsonb_build_object('esim', to_jsonb(topped), 'plan',
    (select to_jsonb(p) from esim_plans p where p.id = topped.plan_id)), array[me]);
end $$;

-- The carrier's usage report for `p_iccid`: usage never goes down and an
-- older report than the last one is ignored. Crossing 75 % and 90 % of the
-- data records a low-data notification once each. Returns null for an
-- unknown ICCID, else {user_id, applied, notified: [kinds]}.
create function esim_record_usage(p_iccid text, p_used_mb integer, p_at timestamptz) returns jsonb language plpgsql as $$
declare
  esim esim_active;
  applied boolean;
  notified text[];
begin
  update esim_active
  set data_used = least(data_total, greatest(data_used, p_used_mb)), usage_at = p_at
  where iccid = p_iccid and (usage_at is null or usage_at < p_at)
  returning * into esim;
  applied := found;
  if not applied then
    select * into esim from esim_active where iccid = p_iccid;
    if not found then
      return null;
    end if;
  end if;
  with crossed as (
    insert into notifications (user_id, kind, ref, payload)
    select esim.user_id, 'esim-low-data', esim.iccid || ':' || t.percent, jsonb_build_object(
      'iccid', esim.iccid, 'threshold_percent', t.percent, 'used_mb', esim.data_used, 'total_mb', esim.data_total,
      'message', format('Your eSIM has used %s%% of its data: top it up before it runs out.', t.percent))
    from (values (75), (90)) as t (percent)
    where esim.data_used * 100 >= esim.data_total * t.percent
    on conflict (user_id, kind, ref) do nothing
    returning payload ->> 'threshold_percent' as percent
  )
  select array_agg(percent order by percent) into notified from crossed;
  return jsonb_build_object('user_id', esim.user_id, 'applied', applied, 'notified', coalesce(notified, '{}'));
end $$;
