import { randomBytes } from 'node:crypto';
import { handler as registerHandler } from '../../functions/auth/register';
import { invoke, randomIp } from './http';

export const uniqueEmail = (label = 'fan') => `${label}.${randomBytes(5).toString('hex')}@example.test`;

export type Fan = { id: string; email: string; password: string; token: string; refresh: string };

/** Registers a fan through the real handler and returns their credentials. */
export const newFan = async (overrides: { name?: string; club_id?: string } = {}): Promise<Fan> => {
  const email = uniqueEmail();
  const password = 'correct horse battery';
  const res = await invoke(registerHandler, {
    path: '/api/auth/register',
    body: { email, password, name: overrides.name ?? 'Test Fan', ...(overrides.club_id ? { club_id: overrides.club_id } : {}) },
    ip: randomIp(),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.raw}`);
  return { id: res.body.user.id, email, password, token: res.body.access_token, refresh: res.body.refresh_token };
};
