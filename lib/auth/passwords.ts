import bcrypt from 'bcryptjs';
import { config } from '../config';

/** Cost below 10 is refused whatever the setting says. */
const cost = () => Math.max(10, config.bcryptCost());

export const hashPassword = (password: string): Promise<string> => bcrypt.hash(password, cost());

let decoy: Promise<string> | undefined;

/**
 * Compares against the stored hash, or against a decoy of the same cost when
 * there is no such user, so an unknown email costs as much time as a wrong
 * password and the answer time says nothing about who has an account.
 */
export const checkPassword = async (password: string, hash: string | undefined): Promise<boolean> => {
  decoy ??= bcrypt.hash('decoy password for unknown emails', cost());
  const ok = await bcrypt.compare(password, hash ?? (await decoy));
  return ok && hash !== undefined;
};
