/**
 * The back office's staff: roles granted and revoked by a club's admin, the
 * first admin by `npm run grant`, each change in the club's audit trail, and
 * nobody else's club seen.
 */
import { describe, expect, it } from 'vitest';
import { handler as auditList } from '../../../functions/admin/staff/audit-list';
import { handler as grantRole } from '../../../functions/admin/staff/role-grant';
import { handler as revokeRole } from '../../../functions/admin/staff/role-revoke';
import { handler as rolesList } from '../../../functions/admin/staff/roles-list';
import { db } from '../../../lib/db';
import { grantFromCommandLine } from '../../../scripts/grant';
import { newFan, type Fan } from '../../support/fans';
import { invoke } from '../../support/http';
import { clubWithAdmin, newClub, staffMember } from '../../support/staff';

const grant = (by: Fan, club: string, user: string, role: string) =>
  invoke(grantRole, { method: 'POST', path: `/api/admin/clubs/${club}/roles`, params: { club }, token: by.token, body: { user, role } });
const revoke = (by: Fan, club: string, user: string, role: string) =>
  invoke(revokeRole, { method: 'DELETE', path: `/api/admin/clubs/${club}/roles/${user}/${role}`, params: { club, user, role }, token: by.token });
const roles = (by: Fan, club: string) => invoke(rolesList, { path: `/api/admin/clubs/${club}/roles`, params: { club }, token: by.token });
const audit = (by: Fan, query: Record<string, string> = {}) => invoke(auditList, { path: '/api/admin/audit', query, token: by.token });

describe('club roles', () => {
  it('an admin grants, lists and revokes roles of their club, each in the audit trail', async () => {
    const { club, admin } = await clubWithAdmin();
    const fan = await newFan();
    const granted = await grant(admin, club, fan.email, 'moderator');
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ club, user: { id: fan.id, email: fan.email }, role: 'moderator', granted_by: admin.id });
    expect((await grant(admin, club, fan.id, 'moderator')).status).toBe(200);
    expect((await grant(admin, club, fan.email, 'steward')).status).toBe(201);
    const listed = await roles(admin, club);
    expect(listed.body.items.map((r: { user: { id: string }; role: string }) => `${r.user.id === fan.id ? 'fan' : 'admin'}:${r.role}`)).toEqual([
      'admin:admin', 'fan:moderator', 'fan:steward',
    ]);
    expect((await revoke(admin, club, fan.id, 'steward')).status).toBe(204);
    expect((await revoke(admin, club, fan.id, 'steward')).status).toBe(404);

    const trail = await audit(admin, { club });
    expect(trail.status).toBe(200);
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual(['role.revoke', 'role.grant', 'role.grant', 'role.grant']);
    expect(trail.body.items[0]).toMatchObject({
      club, actor: { id: admin.id }, role: 'admin', object: { type: 'role', id: `${fan.id}:steward` },
      before: { role: 'steward', user: { id: fan.id } }, after: null, request_id: expect.any(String),
    });
    // The grant already held changed nothing, and says so.
    expect(trail.body.items[2].before).toEqual(trail.body.items[2].after);
    const first = await audit(admin, { club, limit: '1' });
    const second = await audit(admin, { club, limit: '1', cursor: first.body.next_cursor });
    expect([first.body.items[0].id, second.body.items[0].id]).toEqual(trail.body.items.slice(0, 2).map((e: { id: string }) => e.id));
  });

  it("another club's admin, a steward, a moderator and a fan without a role get 404 and change nothing", async () => {
    const { club, admin } = await clubWithAdmin();
    const other = await clubWithAdmin();
    const outsiders = [other.admin, await staffMember(club, 'steward'), await staffMember(club, 'moderator'), await newFan()];
    const fan = await newFan();
    for (const outsider of outsiders) {
      expect((await grant(outsider, club, fan.email, 'admin')).status).toBe(404);
      expect((await revoke(outsider, club, admin.id, 'admin')).status).toBe(404);
      expect((await roles(outsider, club)).status).toBe(404);
      expect((await audit(outsider, { club })).status).toBe(404);
    }
    expect((await grant(admin, 'NO_SUCH_CLUB', fan.email, 'admin')).status).toBe(404);
    const [{ n }] = (await db()`select count(*)::int as n from club_roles where club_id = ${club}`) as unknown as [{ n: number }];
    expect(n).toBe(3);
    expect((await audit(admin, { club })).body.items).toEqual([]);
    // Each admin's trail holds their own clubs' entries only.
    await grant(other.admin, other.club, fan.email, 'steward');
    expect((await audit(admin)).body.items.every((e: { club: string }) => e.club === club)).toBe(true);
  });

  it("keeps a club's last admin, refuses unknown fans and bad input", async () => {
    const { club, admin } = await clubWithAdmin();
    const last = await revoke(admin, club, admin.id, 'admin');
    expect(last.status).toBe(409);
    expect(last.body.type).toBe('/problems/last-admin');
    expect((await grant(admin, club, 'nobody@example.test', 'steward')).status).toBe(404);
    expect((await grant(admin, club, 'nobody@example.test', 'owner')).status).toBe(400);
    // Two admins revoking each other at once: one of them stays.
    const second = await newFan();
    await grant(admin, club, second.email, 'admin');
    const both = await Promise.all([revoke(admin, club, second.id, 'admin'), revoke(second, club, admin.id, 'admin')]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 404]);
    const [{ n }] = (await db()`select count(*)::int as n from club_roles where club_id = ${club} and role = 'admin'`) as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it('npm run grant makes a club its first admin, in its audit trail as an operator', async () => {
    const club = await newClub();
    const fan = await newFan();
    expect(await grantFromCommandLine(fan.email, club, 'admin')).toBe(`${fan.email} is now admin of ${club}`);
    expect(await grantFromCommandLine(fan.email, club, 'admin')).toBe(`${fan.email} already was admin of ${club}`);
    await expect(grantFromCommandLine(fan.email, 'NO_SUCH_CLUB', 'admin')).rejects.toThrow(/No club NO_SUCH_CLUB/);
    const trail = await audit(fan, { club });
    expect(trail.body.items[1]).toMatchObject({ actor: null, role: 'operator', action: 'role.grant', object: { type: 'role', id: `${fan.id}:admin` } });
  });

  it('keeps audit entries as they were written', async () => {
    const { club, admin } = await clubWithAdmin();
    await grant(admin, club, (await newFan()).email, 'steward');
    await expect(db()`update audit_entries set action = 'role.revoke' where club_id = ${club}`).rejects.toThrow(/never updated or deleted/);
    await expect(db()`delete from audit_entries where club_id = ${club}`).rejects.toThrow(/never updated or deleted/);
  });
});
