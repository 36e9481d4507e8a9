-- The club's back office: the staff of each club with their roles, and the
-- audit trail of every change they make through the API.

-- An admin runs their club's back office (and grants its roles); a steward
-- checks tickets in at its gates; a moderator clears its feed's and its
-- fans' reports. Granted through the API by an admin, the first admin by
-- `npm run grant`.
alter table club_roles drop constraint club_roles_role_check;
alter table club_roles
  add constraint club_roles_role_check check (role in ('admin', 'steward', 'moderator')),
  add column granted_by uuid references users (id) on delete set null,
  add column granted_at timestamptz not null default now();
create index club_roles_club_idx on club_roles (club_id, role);

-- Who changed what in a club's back office, with what it was before and
-- after. `actor_id` is null for an operator's change from the command line
-- (`npm run grant`). Entries are never updated or deleted, as ledger entries.
create table audit_entries (
  id           uuid primary key default gen_random_uuid(),
  seq          bigint generated always as identity unique,
  club_id      text not null references clubs (id),
  actor_id     uuid references users (id),
  actor_role   text not null,
  action       text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  object_type  text not null,
  object_id    text not null,
  before       jsonb,
  after        jsonb,
  request_id   text not null,
  at           timestamptz not null default now()
);
create index audit_entries_club_seq_idx on audit_entries (club_id, seq desc);

create function audit_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit entries are never updated or deleted' using errcode = '23514';
end $$;

create trigger audit_entries_append_only
  before update or delete on audit_entries
  for each row execute function audit_append_only();
