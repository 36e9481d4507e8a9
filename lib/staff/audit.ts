import type { JSONValue } from 'postgres';
import { db, type Sql, type Tx } from '../db';
import { decodeCursor, page } from '../pagination';
import type { AuditEntryView, AuditFilter, Role } from './schemas';
import { clubsOf } from './access';

/** One back-office change as the audit trail keeps it; `actor` null for an operator on the command line. */
export type AuditRecord = {
  club: string;
  actor: string | null;
  role: Role | 'operator';
  action: string;
  object: string;
  before?: unknown;
  after?: unknown;
  requestId: string;
};

const asJson = (sql: Sql | Tx, value: unknown) => (value === undefined || value === null ? null : sql.json(value as JSONValue));

/** Writes the entry in the change's own transaction: no change without its entry, no entry without its change. */
export const record = async (sql: Sql | Tx, entry: AuditRecord): Promise<void> => {
  await sql`
    insert into audit_entries (club_id, actor_id, actor_role, action, object_type, object_id, before, after, request_id)
    values (${entry.club}, ${entry.actor}, ${entry.role}, ${entry.action}, ${entry.action.split('.')[0]!}, ${entry.object},
            ${asJson(sql, entry.before)}, ${asJson(sql, entry.after)}, ${entry.requestId})`;
};

type AuditRow = {
  id: string;
  seq: number;
  club_id: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  request_id: string;
  at: Date;
};

/** The audit trail of the clubs the staff member is an admin of, newest first. */
export const listAudit = async (userId: string, filter: AuditFilter) => {
  const sql = db();
  const after = decodeCursor(filter.cursor, ['seq'] as const);
  const clubs = await clubsOf(sql, userId, 'admin', filter.club);
  const rows = await sql<AuditRow[]>`
    select a.id, a.seq, a.club_id, a.actor_id, u.name as actor_name, a.actor_role, a.action, a.object_type, a.object_id,
           a.before, a.after, a.request_id, a.at
    from audit_entries a left join users u on u.id = a.actor_id
    where a.club_id = any(${clubs}) ${after ? sql`and a.seq < ${after[0]}` : sql``}
    order by a.seq desc
    limit ${filter.limit + 1}`;
  const result = page(rows, filter.limit, (row) => [row.seq]);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

const toView = (row: AuditRow): AuditEntryView => ({
  id: row.id,
  club: row.club_id,
  actor: row.actor_id ? { id: row.actor_id, name: row.actor_name ?? '' } : null,
  role: row.actor_role,
  action: row.action,
  object: { type: row.object_type, id: row.object_id },
  before: row.before,
  after: row.after,
  request_id: row.request_id,
  at: row.at.toISOString(),
});
