import { cached, keys, type CacheKey } from '../cache';
import { db } from '../db';
import { notFound } from '../http/problem';
import { display } from '../money';
import { decodeCursor, page } from '../pagination';
import type { ProductsFilter, ProductView } from './schemas';

type ProductRow = Omit<ProductView, 'display'>;

const toView = (row: ProductRow): ProductView => ({ ...row, display: display(row.price) });

/** The first page is cached whole (up to this many) and sliced per request, as statements are. */
const CACHED_FIRST_PAGE = 100;

const loadProducts = (filter: Pick<ProductsFilter, 'club' | 'category'> & { id?: string }, limit: number, after?: string) => {
  const sql = db();
  return sql<ProductRow[]>`
    select id, name, club, category, price, old_price, discount, stock, nft, currency
    from products
    where active
      ${filter.id ? sql`and id = ${filter.id}` : sql``}
      ${filter.club ? sql`and club = ${filter.club}` : sql``}
      ${filter.category ? sql`and category = ${filter.category}` : sql``}
      ${after ? sql`and id > ${after}` : sql``}
    order by id
    limit ${limit + 1}`;
};

/** A club's merchandise on sale (or everyone's), by id; `?club&category` filter it. */
export const listProducts = async (filter: ProductsFilter) => {
  const after = decodeCursor(filter.cursor, ['slug'] as const)?.[0];
  const rows =
    after === undefined
      ? await cached(keys.products(filter.club ?? '*', filter.category ?? '*'), () => loadProducts(filter, CACHED_FIRST_PAGE))
      : await loadProducts(filter, filter.limit, after);
  const result = page(rows, filter.limit, (row) => [row.id]);
  return { items: result.items.map(toView), next_cursor: result.next_cursor };
};

export const getProduct = async (id: string): Promise<ProductView> => {
  const [row] = await loadProducts({ id }, 1);
  if (!row) throw notFound('No product has this id.');
  return toView(row);
};

/** Every cached list a product appears in: its club's and category's, with and without the other filter. */
export const productLists = (product: { club: string; category: string }): CacheKey[] =>
  [product.club, '*'].flatMap((club) => [product.category, '*'].map((category) => keys.products(club, category)));
