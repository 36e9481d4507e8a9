// Named imports: the default export holds every function, the sync ones too, and would bundle them all.
import { compare, hash } from 'bcryptjs';
import { config } from '../config';

/** Cost below 10 is refused whatever the setting says. */
const cost = () => Math.max(10, config.bcryptCost());

export const hashPassword = (password: string): Promise<string> => hash(password, cost());

let decoy: Promise<string> | undefined;

/**
 * Compares against the stored hash, or against a decoy of the same cost when
 * there is no such user, so an unknown email costs as much time as a wrong
 * password and the answer time says nothing about who has an account.
 */
export const checkPassword = async (password: string, stored: string | undefined): Promise<boolean> => {
  decoy ??= hash('decoy password for unknown emails', cost());
  const ok = await compare(password, stored ?? (await decoy));
  return ok && stored !== undefined;
};
