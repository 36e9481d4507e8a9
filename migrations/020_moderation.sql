-- Moderation: fans report feed posts as they report messages, and a club's
-- moderators clear one queue of both; a message or post they remove is
-- hidden from every fan, kept (with its reports) for the audit trail.
-- And the club's sales figures, read from the ledger by time.

-- One table of reports, whatever they are about: a report's id is the one
-- the queue shows and resolves, whichever kind it is, and an item's open
-- reports are resolved together by one update. message_reports becomes it,
-- ids and all.
alter table message_reports rename to reports;
alter table reports rename constraint message_reports_pkey to reports_pkey;
alter table reports rename constraint message_reports_message_id_reporter_id_key to reports_message_reporter_key;
alter table reports
  alter column message_id drop not null,
  add column post_id      uuid references posts (id) on delete cascade,
  add column kind         text generated always as (case when post_id is null then 'message' else 'post' end) stored,
  add column resolved_by  uuid references users (id) on delete set null,
  add column resolved_at  timestamptz;
-- Nothing resolved reports before; one set by hand has no better date.
update reports set resolved_at = created_at where status <> 'open';
alter table reports
  add constraint reports_one_item check (num_nonnulls(message_id, post_id) = 1),
  add constraint reports_resolved check ((status = 'open') = (resolved_at is null)),
  add constraint reports_post_reporter_key unique (post_id, reporter_id);
-- The queue, oldest first.
create index reports_status_created_idx on reports (status, created_at, id);

-- Removed by a moderator: hidden from fans, kept for the record.
alter table messages add column removed_at timestamptz;
alter table posts add column removed_at timestamptz;

-- The sales figures read a platform account's sales and refunds over a
-- period: by account and time, rather than over the whole ledger.
create index transactions_sales_idx on transactions (wallet_id, created_at) where type in ('sale', 'refund');
