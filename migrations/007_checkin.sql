-- Gate check-in: who may scan tickets at a club's matches, and the scan.

-- Roles are granted by an operator in SQL (or the demo data), never through the API.
create table club_roles (
  user_id  uuid not null references users (id) on delete cascade,
  club_id  text not null references clubs (id) on delete cascade,
  role     text not null check (role in ('steward')),
  primary key (user_id, club_id, role)
);

-- A steward scans ticket `p_ticket`, whose code names holder `p_holder`, at
-- event `p_event`. The ticket's row is locked, so of two gates scanning it
-- at once one admits and the other sees it checked in. Returns
-- {result: "forbidden"} for anyone but a steward of the event's club, else
-- {result: "admitted", ticket, holder, category} or {result: "refused", reason}.
create function ticket_check_in(p_steward uuid, p_event text, p_ticket uuid, p_holder uuid) returns jsonb language plpgsql as $$
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
  update tickets set status = 'checked_in', checked_in_at = now() where id = p_ticket returning * into ticket;
  return jsonb_build_object('result', 'admitted', 'ticket', ticket.id, 'category', ticket.category, 'checked_in_at', ticket.checked_in_at,
    'holder', (select jsonb_build_object('id', u.id, 'name', u.name) from users u where u.id = ticket.user_id));
end $$;
