-- A fan closes their account (lib/accounts/closing.ts). Their `users` row
-- stays as a tombstone, so that the ledger, the orders and other fans'
-- conversations keep pointing at someone: its email, name and password are
-- replaced (the email by `deleted+<id>@invalid`, unique and never
-- deliverable: RFC 2606's reserved `.invalid`), and `deleted_at` says it
-- is no one's any more.
alter table users add column deleted_at timestamptz;

-- The one change ever made to a ledger entry: a note its fan wrote, erased
-- when they close their account. Every other column stays as it was; any
-- other update or delete is refused as before.
create or replace function ledger_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and new.metadata = old.metadata - 'note' and to_jsonb(new) - 'metadata' = to_jsonb(old) - 'metadata' then
    return new;
  end if;
  raise exception 'ledger entries are never updated or deleted; post a reversing transfer' using errcode = '23514';
end $$;

-- A closed account receives nothing from another fan: no payment (its
-- wallet is no one's to spend) and no ticket; nor a top-up, which only a
-- token issued before the closing could still ask for. A fan's id stays
-- visible to those who dealt with them, so refusing by email alone would
-- not do. A conflict that stores nothing (PF409, lib/wallet/movement.ts).
-- Refunds and a card dispute's outcome still reach the tombstone: the
-- platform owes or settles them whoever the fan was.
create function fan_account_open() returns trigger language plpgsql as $$
declare
  closed timestamptz;
begin
  -- Locked (as the foreign key's check would, a moment later), so that a
  -- closing under way, which holds the row, is waited for and then seen.
  select deleted_at into closed from users where id = (to_jsonb(new) ->> tg_argv[0])::uuid for key share;
  if closed is not null then
    raise exception using errcode = 'PF409', message = 'account-closed', detail = 'This fan has closed their account.';
  end if;
  return new;
end $$;

create trigger transactions_to_open_account
  before insert on transactions
  for each row when (new.type in ('receive', 'request_received', 'deposit'))
  execute function fan_account_open('user_id');

create trigger ticket_handovers_to_open_account
  before insert on ticket_handovers
  for each row execute function fan_account_open('to_user');
