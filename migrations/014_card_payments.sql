-- Money in comes from the payment provider. A deposit is opened `pending`
-- and credited only by the provider's signed confirmation, once, with the
-- amount the provider says it received; a chargeback takes it back as far
-- as the wallet allows, records the rest as owed, and freezes the wallet's
-- outgoing payments until it is settled. The simulated provider of local
-- runs confirms at once, in the statement that opens the deposit.

alter table deposits
  add column provider text not null default 'simulated' check (provider in ('simulated', 'stripe')),
  add column amount_received bigint check (amount_received > 0),
  -- When its payment was cancelled, which no card can pay any more.
  add column canceled_at timestamptz,
  add constraint deposits_canceled_check check (canceled_at is null or status = 'failed');
update deposits set amount_received = amount where status = 'succeeded';
-- `disputed`: credited, then charged back by the fan's bank. `failed` is
-- final only once cancelled (`canceled_at`): until then a payment that
-- failed may still succeed with another card.
alter table deposits drop constraint deposits_status_check,
  add constraint deposits_status_check check (status in ('pending', 'succeeded', 'failed', 'disputed'));
alter table deposits drop constraint deposits_check,
  add constraint deposits_credited_check check ((status in ('succeeded', 'disputed')) = (transfer_id is not null));
-- Card top-ups that may still be paid, oldest first: those abandoned are cancelled.
create index deposits_payable_idx on deposits (created_at) where canceled_at is null and status in ('pending', 'failed');
-- The fan's deposits, newest first, in keyset pages.
create index deposits_user_page_idx on deposits (user_id, created_at desc, id desc);
drop index deposits_user_created_idx;

alter table transfers drop constraint transfers_kind_check,
  add constraint transfers_kind_check check (kind in (
    'deposit', 'transfer', 'request_payment', 'purchase', 'refund', 'chargeback', 'chargeback_reversal'));
alter table transactions drop constraint transactions_type_check,
  add constraint transactions_type_check check (type in (
    'deposit', 'send', 'receive', 'request_paid', 'request_received', 'purchase', 'sale', 'refund', 'funding',
    'chargeback', 'chargeback_reversal')) not valid;
alter table transactions validate constraint transactions_type_check;

-- A wallet whose fan disputed a card top-up makes no payment (transfers,
-- purchases) while a dispute is open or anything is owed for one.
alter table wallets add column frozen boolean not null default false;

-- A chargeback: the disputed amount, what was taken back from the wallet
-- (at once, and later from top-ups) and what the fan still owes. A fan's
-- disputes change only under the lock of the fan's wallet. A dispute won by
-- the platform returns what was taken back and owes nothing.
create table disputes (
  id          text primary key,
  deposit_id  uuid not null references deposits (id),
  user_id     uuid not null references users (id) on delete restrict,
  amount      bigint not null check (amount > 0),
  taken_back  bigint not null check (taken_back >= 0),
  owed        bigint not null check (owed >= 0),
  status      text not null check (status in ('open', 'won', 'lost')),
  reason      text,
  created_at  timestamptz not null default now(),
  closed_at   timestamptz,
  check (case when status = 'won' then owed = 0 else taken_back + owed = amount end)
);
create index disputes_deposit_idx on disputes (deposit_id);
create index disputes_owing_idx on disputes (user_id, created_at) where status = 'open' or owed > 0;

-- The account now says whether the fan's payments are frozen.
alter type ledger_account add attribute frozen boolean;

create or replace function ledger_lock(p_users uuid[], p_emails text[], p_platform text[], p_shard integer) returns setof ledger_account
language plpgsql as $$
begin
  return query
    select w.id, w.user_id, w.system, u.email, u.name, w.balance, w.frozen
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

-- Every payment out of a fan's wallet asks this first: a frozen wallet pays nothing.
create or replace function ledger_shortfall(p_account ledger_account, p_amount bigint) returns jsonb language sql immutable as $$
  select case
    when p_account.frozen then jsonb_build_object('refusal', 'wallet-frozen')
    when p_account.balance < p_amount then jsonb_build_object('refusal', 'insufficient-funds', 'balance', p_account.balance, 'required', p_amount)
  end
$$;

-- The platform shard a fan's movements use, as lib/wallet/ledger.ts's shardOf
-- computes it (the id's last byte, modulo 16): for the provider's events,
-- which name a deposit rather than a fan.
create function ledger_shard(p_user uuid) returns integer language sql immutable as $$
  select get_byte(uuid_send(p_user), 15) % 16
$$;

-- Euros as a message shows them: 1234 -> '12.34' (numeric, never float).
create function money_display(p_cents bigint) returns text language sql immutable as $$
  select to_char(p_cents / 100.0, 'FM999999990.00')
$$;

-- Whether the fan still owes for, or disputes, a card payment: the wallet
-- stays frozen until neither holds.
create function wallet_refreeze(p_user uuid) returns void language plpgsql as $$
begin
  update wallets set frozen = exists (select 1 from disputes where user_id = p_user and (status = 'open' or owed > 0))
  where user_id = p_user;
end $$;

-- Moves `p_amount` between the fan's wallet and the card-funding shard, both
-- locked by the caller: a chargeback (to the platform) or its reversal (back).
create function chargeback_post(p_kind text, p_wallet ledger_account, p_funding ledger_account, p_amount bigint, p_metadata jsonb)
returns jsonb language plpgsql as $$
declare
  sign constant integer := case p_kind when 'chargeback' then -1 else 1 end;
begin
  return ledger_post(p_kind, jsonb_build_array(
    ledger_leg(p_wallet, p_kind, sign * p_amount, p_funding, p_metadata),
    ledger_leg(p_funding, p_kind, -sign * p_amount, p_wallet, p_metadata)));
end $$;

-- Takes back what the fan owes for chargebacks, oldest dispute first, as far
-- as the wallet's balance goes (the wallet and the card-funding shard locked
-- by the caller); then thaws the wallet if nothing is owed or open. Returns
-- the posted transfer, or null when nothing was taken.
create function chargeback_recover(p_user uuid, p_funding ledger_account) returns jsonb language plpgsql as $$
declare
  wallet ledger_account;
  total_owed bigint;
  taken bigint;
  posted jsonb;
begin
  -- Already locked: this reads the balance the caller's credit left.
  select * into wallet from ledger_lock(array[p_user], '{}', '{}', 0);
  select coalesce(sum(d.owed), 0) into total_owed from disputes d where d.user_id = p_user and d.owed > 0;
  taken := least(total_owed, wallet.balance);
  if taken > 0 then
    posted := chargeback_post('chargeback', wallet, p_funding, taken, jsonb_build_object('owed', total_owed));
    -- Oldest first: each dispute gets what is left of `taken` after those before it.
    update disputes d set owed = d.owed - s.part, taken_back = d.taken_back + s.part
    from (select o.id, least(o.owed, greatest(0, taken - (sum(o.owed) over (order by o.created_at, o.id) - o.owed))) as part
          from disputes o where o.user_id = p_user and o.owed > 0) s
    where d.id = s.id and s.part > 0;
  end if;
  perform wallet_refreeze(p_user);
  return posted;
end $$;

-- Opens a deposit: within `p_daily_max` per rolling 24 hours, read under
-- the fan's wallet lock (the caller's) so that concurrent deposits cannot
-- both slip under it. Every deposit that is or may still be paid counts:
-- pending and failed ones too, until their payment is cancelled (an
-- abandoned one is, within the hour: lib/wallet/deposits.ts). `refusal` is
-- what to answer instead; else `deposit` is the new pending row.
create function deposit_open(p_user uuid, p_amount bigint, p_method text, p_provider text, p_daily_max bigint,
                             out refusal jsonb, out deposit deposits) language plpgsql as $$
declare
  total bigint;
begin
  select coalesce(sum(amount), 0) into total from deposits
  where user_id = p_user and canceled_at is null and created_at > now() - interval '24 hours';
  if total + p_amount > p_daily_max then
    refusal := jsonb_build_object('refusal', 'daily-deposit-limit', 'limit', p_daily_max, 'remaining', greatest(0, p_daily_max - total));
    return;
  end if;
  insert into deposits (user_id, amount, method, provider, status)
  values (p_user, p_amount, p_method, p_provider, 'pending')
  returning * into deposit;
end $$;

-- Credits deposit `p_deposit` with what the provider received, from the
-- card-funding shard (the wallet and the shard locked by the caller); a
-- frozen wallet pays back what its fan owes first. Returns the posted
-- transfer, with the entries of that payback after its own.
create function deposit_credit(p_deposit deposits, p_received bigint, p_wallet ledger_account, p_funding ledger_account)
returns jsonb language plpgsql as $$
declare
  posted jsonb;
  recovered jsonb;
begin
  posted := ledger_post('deposit', jsonb_build_array(
    ledger_leg(p_funding, 'funding', -p_received, p_wallet, '{}'),
    ledger_leg(p_wallet, 'deposit', p_received, p_funding, jsonb_build_object('method', p_deposit.method))));
  update deposits set
    -- A chargeback can arrive before the confirmation it disputes.
    status = case when exists (select 1 from disputes where deposit_id = p_deposit.id and status <> 'won') then 'disputed' else 'succeeded' end,
    amount_received = p_received, transfer_id = (posted ->> 'transfer_id')::uuid, confirmed_at = now()
  where id = p_deposit.id;
  if p_wallet.frozen then
    recovered := chargeback_recover(p_wallet.user_id, p_funding);
    if recovered is not null then
      posted := jsonb_set(posted, '{entries}', (posted -> 'entries') || (recovered -> 'entries'));
    end if;
  end if;
  return posted;
end $$;

-- A top-up with the simulated provider, which receives the money at once:
-- opened and credited from the card-funding account's shard `p_shard` in
-- this one statement.
create or replace function wallet_deposit(p_claim jsonb, p_shard integer, p_amount bigint, p_method text, p_daily_max bigint)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  locked record;
  opened record;
  posted jsonb;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  locked := ledger_lock_pair(me, '{}', '{}', array['card_funding'], p_shard);
  opened := deposit_open(me, p_amount, p_method, 'simulated', p_daily_max);
  if opened.refusal is not null then
    return movement_settle(p_claim, 422, opened.refusal, '{}');
  end if;
  posted := deposit_credit(opened.deposit, p_amount, locked.mine, locked.theirs);
  return movement_settle(p_claim, 201, posted || jsonb_build_object('deposit_id', (opened.deposit).id), array[me]);
end $$;

-- A top-up paid through the payment provider: opened pending within the
-- limits, its outcome stored with the claim (202 and the deposit); the
-- provider's signed confirmation credits it later (deposit_paid).
create function wallet_deposit_pending(p_claim jsonb, p_amount bigint, p_method text, p_provider text, p_daily_max bigint)
returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  opened record;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  perform ledger_lock(array[me], '{}', '{}', 0);
  opened := deposit_open(me, p_amount, p_method, p_provider, p_daily_max);
  if opened.refusal is not null then
    return movement_settle(p_claim, 422, opened.refusal, '{}');
  end if;
  return movement_settle(p_claim, 202, jsonb_build_object('deposit', to_jsonb(opened.deposit)), '{}');
end $$;

-- The provider's events answer as a movement does ({status, result, fans}),
-- storing no key: each is idempotent by the state it finds. `result.outcome`
-- says what the event did: credited, failed, disputed, closed, or
-- `duplicate` (done already) and `unknown` (no such deposit or dispute).
create function payment_event_outcome(p_outcome text, p_facts jsonb default '{}', p_fans uuid[] default '{}')
returns jsonb language sql immutable as $$
  select jsonb_build_object('status', 200, 'result', jsonb_build_object('outcome', p_outcome) || p_facts, 'fans', to_jsonb(p_fans))
$$;

-- The provider received `p_received` for deposit `p_deposit` through its
-- payment `p_payment`: credited once per payment, however many times the
-- event is delivered (concurrent deliveries queue on the deposit's row).
create function deposit_paid(p_deposit uuid, p_payment text, p_received bigint) returns jsonb language plpgsql as $$
declare
  dep deposits;
  locked record;
  posted jsonb;
begin
  select * into dep from deposits
  where id = p_deposit and provider <> 'simulated' and (provider_ref is null or provider_ref = p_payment)
  for update;
  if not found then
    return payment_event_outcome('unknown');
  end if;
  if dep.transfer_id is not null then
    return payment_event_outcome('duplicate', jsonb_build_object('deposit_id', dep.id));
  end if;
  locked := ledger_lock_pair(dep.user_id, '{}', '{}', array['card_funding'], ledger_shard(dep.user_id));
  update deposits set provider_ref = p_payment where id = dep.id and provider_ref is null;
  posted := deposit_credit(dep, p_received, locked.mine, locked.theirs);
  insert into notifications (user_id, kind, ref, payload)
  values (dep.user_id, 'deposit-credited', dep.id::text, jsonb_build_object(
    'deposit_id', dep.id, 'amount', p_received,
    'message', format('Your top-up of €%s has arrived in your wallet.', money_display(p_received))));
  return payment_event_outcome('credited', jsonb_build_object('deposit_id', dep.id, 'user_id', dep.user_id, 'amount', p_received, 'transfer_id', posted ->> 'transfer_id'),
                               array[dep.user_id]);
end $$;

-- The provider's payment `p_payment` for deposit `p_deposit` failed, or was
-- cancelled (`p_final`): the deposit is marked failed. A failed one may
-- still be paid later and credited, so it counts against the limits until
-- its payment is cancelled.
create function deposit_failed(p_deposit uuid, p_payment text, p_final boolean) returns jsonb language plpgsql as $$
declare
  dep deposits;
begin
  select * into dep from deposits
  where id = p_deposit and provider <> 'simulated' and (provider_ref is null or provider_ref = p_payment);
  if not found then
    return payment_event_outcome('unknown');
  end if;
  update deposits set status = 'failed', canceled_at = case when p_final then now() end
  where id = dep.id and (status = 'pending' or (status = 'failed' and p_final and canceled_at is null));
  return payment_event_outcome(case when found then 'failed' else 'duplicate' end, jsonb_build_object('deposit_id', dep.id, 'user_id', dep.user_id));
end $$;

-- A chargeback `p_dispute` of `p_amount` on payment `p_payment`: taken back
-- from the wallet as far as its balance allows, the rest owed, the wallet
-- frozen. Once per dispute.
create function deposit_disputed(p_dispute text, p_payment text, p_amount bigint, p_reason text) returns jsonb language plpgsql as $$
declare
  dep deposits;
  locked record;
  taken bigint;
begin
  select * into dep from deposits where provider_ref = p_payment for update;
  if not found then
    return payment_event_outcome('unknown');
  end if;
  if exists (select 1 from disputes where id = p_dispute) then
    return payment_event_outcome('duplicate', jsonb_build_object('deposit_id', dep.id));
  end if;
  locked := ledger_lock_pair(dep.user_id, '{}', '{}', array['card_funding'], ledger_shard(dep.user_id));
  taken := least(p_amount, (locked.mine).balance);
  if taken > 0 then
    perform chargeback_post('chargeback', locked.mine, locked.theirs, taken, jsonb_build_object('dispute_id', p_dispute, 'deposit_id', dep.id));
  end if;
  insert into disputes (id, deposit_id, user_id, amount, taken_back, owed, status, reason)
  values (p_dispute, dep.id, dep.user_id, p_amount, taken, p_amount - taken, 'open', p_reason);
  update wallets set frozen = true where id = (locked.mine).id;
  update deposits set status = 'disputed' where id = dep.id and status = 'succeeded';
  insert into notifications (user_id, kind, ref, payload)
  values (dep.user_id, 'deposit-disputed', p_dispute, jsonb_build_object(
    'deposit_id', dep.id, 'amount', p_amount, 'taken_back', taken, 'owed', p_amount - taken,
    'message', format('Your bank disputed a top-up of €%s: €%s was taken back from your wallet%s, and payments from it are paused until the dispute is settled.',
                      money_display(p_amount), money_display(taken),
                      case when taken < p_amount then format(' and €%s is owed, taken from your next top-ups', money_display(p_amount - taken)) else '' end)));
  return payment_event_outcome('disputed', jsonb_build_object('deposit_id', dep.id, 'user_id', dep.user_id, 'taken_back', taken, 'owed', p_amount - taken),
                               case when taken > 0 then array[dep.user_id] else '{}' end);
end $$;

-- Dispute `p_dispute` of payment `p_payment` closed: won by the platform
-- (the bank kept nothing), what was taken back returns to the wallet and
-- nothing is owed for it; lost, what is owed stays owed. Either way the
-- wallet pays back what else its fan owes and thaws if nothing else holds
-- it. A close that arrives before the dispute's opening, for a payment of
-- ours, is a conflict (PF409), which the provider delivers again later.
create function deposit_dispute_closed(p_dispute text, p_payment text, p_won boolean) returns jsonb language plpgsql as $$
declare
  dispute disputes;
  locked record;
begin
  select * into dispute from disputes where id = p_dispute;
  if not found then
    if exists (select 1 from deposits where provider_ref = p_payment) then
      raise exception using errcode = 'PF409', message = 'dispute-not-opened',
        detail = 'This dispute has not been opened here yet; send its closing again later.';
    end if;
    return payment_event_outcome('unknown');
  end if;
  -- The deposit's row, then the wallets: the order every provider event takes its locks in.
  perform 1 from deposits where id = dispute.deposit_id for update;
  locked := ledger_lock_pair(dispute.user_id, '{}', '{}', array['card_funding'], ledger_shard(dispute.user_id));
  -- Read again under the wallet's lock, which every change of a fan's disputes holds.
  select * into dispute from disputes where id = p_dispute;
  if dispute.status <> 'open' then
    return payment_event_outcome('duplicate', jsonb_build_object('deposit_id', dispute.deposit_id));
  end if;
  if p_won then
    if dispute.taken_back > 0 then
      perform chargeback_post('chargeback_reversal', locked.mine, locked.theirs, dispute.taken_back,
                              jsonb_build_object('dispute_id', dispute.id, 'deposit_id', dispute.deposit_id));
    end if;
    update disputes set status = 'won', owed = 0, closed_at = now() where id = dispute.id;
    update deposits set status = 'succeeded'
    where id = dispute.deposit_id and status = 'disputed'
      and not exists (select 1 from disputes where deposit_id = dispute.deposit_id and status <> 'won');
  else
    update disputes set status = 'lost', closed_at = now() where id = dispute.id;
  end if;
  -- What was returned may pay what the fan owes for another dispute.
  perform chargeback_recover(dispute.user_id, locked.theirs);
  select * into dispute from disputes where id = p_dispute;
  insert into notifications (user_id, kind, ref, payload)
  values (dispute.user_id, 'deposit-dispute-closed', dispute.id, jsonb_build_object(
    'deposit_id', dispute.deposit_id, 'won', p_won, 'returned', case when p_won then dispute.taken_back else 0 end,
    'message', case when p_won
      then format('The dispute over your top-up is settled in your favour: €%s is back in your wallet.', money_display(dispute.taken_back))
      when dispute.owed > 0
      then format('The dispute over your top-up is closed: €%s remains owed and is taken from your next top-ups.', money_display(dispute.owed))
      else 'The dispute over your top-up is closed; nothing more is owed for it.' end));
  return payment_event_outcome('closed', jsonb_build_object('deposit_id', dispute.deposit_id, 'user_id', dispute.user_id, 'won', p_won),
                               array[dispute.user_id]);
end $$;
