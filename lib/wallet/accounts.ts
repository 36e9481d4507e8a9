import { cached, keys } from '../cache';
import { db } from '../db';
import { isUuid } from '../ids';
import { display } from '../money';
import { decodeCursor, page } from '../pagination';
import type { BalanceView, EntryType, EntryView, TransactionsFilter } from './schemas';

export type FanRef = { userIds: string[]; emails: string[] };

/** `to` / `from` name a fan by user id or by email. */
export const fanRef = (ref: string): FanRef =>
  isUuid(ref) ? { userIds: [ref], emails: [] } : { userIds: [], emails: [ref] };

/** What a fan sees as the other side of a platform movement. */
export const SYSTEM_NAMES: Record<string, string> = {
  card_funding: 'Card top-up',
  shop_revenue: 'PaieCashFan Shop',
  ticketing: 'PaieCashFan Tickets',
  esim: 'PaieCashFan eSIM',
};

/** A wallet's figures as its row holds them (and migration 012's wallet_views answers them). */
export type WalletFigures = { balance: number; currency: string; assets: BalanceView['assets'] };

/** The balance as the API shows it; a fan without a wallet row yet holds nothing. */
export const balanceView = (wallet: WalletFigures | undefined): BalanceView => ({
  balance: wallet?.balance ?? 0,
  currency: wallet?.currency ?? 'EUR',
  display: display(wallet?.balance ?? 0),
  assets: wallet?.assets ?? { collectibles: [], points: 0 },
});

export const getBalance = (userId: string): Promise<BalanceView> =>
  cached(keys.walletBalance(userId), async () => {
    const [wallet] = await db()<WalletFigures[]>`select balance, currency, assets from wallets where user_id = ${userId}`;
    return balanceView(wallet);
  });

type EntryRow = Omit<EntryView, 'display' | 'counterparty' | 'created_at'> & {
  seq: number;
  created_at: Date;
  counterparty_name: string | null;
  counterparty_system: string | null;
};

/** The first page is cached whole (up to this many) and sliced per request. */
const CACHED_FIRST_PAGE = 100;

const loadEntries = async (userId: string, limit: number, type?: EntryType, before?: number) => {
  const rows = await db()<EntryRow[]>`
    select t.id, t.transfer_id, t.type, t.amount, t.balance_after, t.currency, t.metadata, t.created_at, t.seq,
           cu.name as counterparty_name, cw.system as counterparty_system
    from transactions t
    left join wallets cw on cw.id = t.counterparty_wallet_id
    left join users cu on cu.id = cw.user_id
    where t.wallet_id = (select id from wallets where user_id = ${userId})
      ${type ? db()`and t.type = ${type}` : db()``}
      ${before !== undefined ? db()`and t.seq < ${before}` : db()``}
    order by t.seq desc
    limit ${limit + 1}`;
  return rows.map(({ counterparty_name, counterparty_system, created_at, ...row }) => ({
    ...row,
    display: display(row.amount),
    // Only a name, and whose: another fan's email or id never shows in a
    // statement, and no fan can pass for the platform by their name.
    counterparty: counterparty_system !== null
      ? { kind: 'platform' as const, name: SYSTEM_NAMES[counterparty_system] ?? counterparty_system }
      : counterparty_name !== null
        ? { kind: 'fan' as const, name: counterparty_name }
        : null,
    created_at: created_at.toISOString(),
  }));
};

/** Newest first, keyset-paginated on the ledger's sequence. */
export const listEntries = async (userId: string, filter: TransactionsFilter) => {
  const before = decodeCursor(filter.cursor, ['seq'] as const)?.[0];
  const rows =
    before === undefined && !filter.type
      ? await cached(keys.transactions(userId), () => loadEntries(userId, CACHED_FIRST_PAGE))
      : await loadEntries(userId, filter.limit, filter.type, before);
  const result = page(rows, filter.limit, (row) => [row.seq]);
  return { items: result.items.map(({ seq: _seq, ...entry }) => entry), next_cursor: result.next_cursor };
};
