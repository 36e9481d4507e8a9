-- The club's shop from its back office (issue 26): products withdrawn from
-- sale without being deleted, a discount that follows the prices, stock
-- changes with who made them and why, the clubs each order belongs to, and
-- the club's refund of an order, which reverses it as the fan's cancel does.

-- A withdrawn product stays in the orders and carts that name it, but no
-- fan is shown it or sold it.
alter table products add column active boolean not null default true;

-- The discount is the old price's markdown, in whole percent: computed on
-- every write of the prices, never sent, so that it cannot disagree with them.
create function products_discount() returns trigger language plpgsql as $$
begin
  new.discount := case when coalesce(new.old_price, 0) = 0 then 0
                       else round((new.old_price - new.price) * 100.0 / new.old_price)::integer end;
  return new;
end $$;

create trigger products_discount
  before insert or update of price, old_price on products
  for each row execute function products_discount();

-- Each change of a product's stock made by its club's staff: by how much,
-- why, by whom and the stock it left. Sales and refunds are in orders.
create table stock_changes (
  id           uuid primary key default gen_random_uuid(),
  seq          bigint generated always as identity unique,
  product_id   text not null references products (id) on delete cascade,
  actor_id     uuid references users (id) on delete set null,
  change       integer not null check (change <> 0),
  reason       text not null check (length(reason) between 1 and 200),
  stock_after  integer not null check (stock_after >= 0),
  at           timestamptz not null default now()
);
create index stock_changes_product_idx on stock_changes (product_id, seq desc);

-- A cart is not per club, so an order may hold several clubs' products: it
-- belongs to each of them (lib/shop/admin.ts says what each club's staff may
-- do with it). Recorded as the order is written, from its products' clubs.
alter table orders add column clubs text[] not null default '{}';

create function orders_clubs() returns trigger language plpgsql as $$
begin
  new.clubs := array(
    select distinct p.club from jsonb_array_elements(new.items) i join products p on p.id = i ->> 'product_id' order by p.club);
  return new;
end $$;

create trigger orders_clubs
  before insert on orders
  for each row execute function orders_clubs();

update orders o set clubs = array(
  select distinct p.club from jsonb_array_elements(o.items) i join products p on p.id = i ->> 'product_id' order by p.club);
create index orders_clubs_idx on orders using gin (clubs);

-- As in 004, and a withdrawn product is not sold either: PF409
-- `product-unavailable` naming them (its hint: {"products": [...]}).
create or replace function shop_take_stock(p_lines jsonb) returns void language plpgsql as $$
declare
  short text[];
  withdrawn text[];
begin
  perform 1 from products
  where id in (select l ->> 'product_id' from jsonb_array_elements(p_lines) l)
  order by id
  for update;
  select array_agg(p.id order by p.id) into withdrawn
  from products p
  where p.id in (select l ->> 'product_id' from jsonb_array_elements(p_lines) l) and not p.active;
  if withdrawn is not null then
    raise exception using errcode = 'PF409', message = 'product-unavailable',
      detail = format('No longer for sale: %s. Remove it from your cart; nothing was bought.', array_to_string(withdrawn, ', ')),
      hint = jsonb_build_object('products', withdrawn)::text;
  end if;
  with wanted as (
    select l ->> 'product_id' as id, (l ->> 'quantity')::integer as quantity from jsonb_array_elements(p_lines) l
  ), taken as (
    update products p set stock = p.stock - w.quantity
    from wanted w
    where p.id = w.id and p.stock >= w.quantity
    returning p.id
  )
  select array_agg(w.id order by w.id) into short from wanted w where w.id not in (select id from taken);
  if short is not null then
    raise exception using errcode = 'PF409', message = 'sold-out',
      detail = format('Not enough left in stock: %s. Nothing was bought.', array_to_string(short, ', ')),
      hint = jsonb_build_object('products', short)::text;
  end if;
end $$;

-- Reverses order `p_order`, which the caller has locked and found
-- reversible: the payment goes back by a refund transfer from the
-- shop_revenue account's shard `p_shard`, the stock is returned, the
-- order's collectibles are taken back, and the order takes `p_status`
-- (`cancelled` by its fan, `refunded` by its club). Answers {order, lines},
-- the lines naming the products' lists to refresh.
create function shop_order_reverse(p_order orders, p_shard integer, p_status text) returns jsonb language plpgsql as $$
declare
  placed orders := p_order;
  locked record;
  wallet ledger_account;
  revenue ledger_account;
  lines jsonb;
begin
  locked := ledger_lock_pair(placed.user_id, '{}', '{}', array['shop_revenue'], p_shard);
  wallet := locked.mine;
  revenue := locked.theirs;
  perform ledger_post('refund', jsonb_build_array(
    ledger_leg(revenue, 'refund', -placed.total, wallet, jsonb_build_object('order_id', placed.id)),
    ledger_leg(wallet, 'refund', placed.total, revenue, jsonb_build_object('order_id', placed.id))), placed.transfer_id);
  -- Restocked under locks taken in product id order, as every checkout takes them.
  perform 1 from products where id in (select i ->> 'product_id' from jsonb_array_elements(placed.items) i) order by id for update;
  update products p set stock = p.stock + (i ->> 'quantity')::integer
  from jsonb_array_elements(placed.items) i
  where p.id = i ->> 'product_id';
  update wallets set assets = jsonb_set(assets, '{collectibles}', coalesce((
    select jsonb_agg(c) from jsonb_array_elements(assets -> 'collectibles') c where c ->> 'order_id' is distinct from placed.id::text), '[]'))
  where id = wallet.id;
  update orders set status = p_status where id = placed.id returning * into placed;
  select coalesce(jsonb_agg(jsonb_build_object('product_id', p.id, 'club', p.club, 'category', p.category)), '[]') into lines
  from products p where p.id in (select i ->> 'product_id' from jsonb_array_elements(placed.items) i);
  return jsonb_build_object('order', to_jsonb(placed), 'lines', lines);
end $$;

-- The buyer cancels a paid order (not yet shipped), reversed as above. An
-- order no longer `paid` is a conflict (PF409, not stored).
create or replace function shop_order_cancel(p_claim jsonb, p_shard integer, p_order uuid) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  placed orders;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  select * into placed from orders where id = p_order and user_id = me for update;
  if not found then
    return movement_settle(p_claim, 404, '{"refusal": "order-not-found"}', '{}');
  end if;
  if placed.status <> 'paid' then
    raise exception using errcode = 'PF409', message = 'order-not-cancellable',
      detail = format('This order is %s: only a paid order that has not shipped can be cancelled.', placed.status);
  end if;
  return movement_settle(p_claim, 200, shop_order_reverse(placed, p_shard, 'cancelled'), array[me]);
end $$;
