import { randomBytes } from 'node:crypto';
import { db } from '../../lib/db';
import type { Role } from '../../lib/staff/schemas';
import { newFan, type Fan } from './fans';

/** A club of the test's own, so that its back office holds only what the test made. */
export const newClub = async (): Promise<string> => {
  const id = `T_${randomBytes(5).toString('hex').toUpperCase()}`;
  await db()`insert into clubs (id, name, short_name, city, league) values (${id}, ${`Test Club ${id}`}, ${id}, 'Testville', 'Test League')`;
  return id;
};

/** A new fan holding `role` in `club`, as a grant by an operator would make them. */
export const staffMember = async (club: string, role: Role): Promise<Fan> => {
  const fan = await newFan({ club_id: club });
  await db()`insert into club_roles (user_id, club_id, role) values (${fan.id}, ${club}, ${role})`;
  return fan;
};

/** A club of the test's own with its admin. */
export const clubWithAdmin = async () => {
  const club = await newClub();
  return { club, admin: await staffMember(club, 'admin') };
};
