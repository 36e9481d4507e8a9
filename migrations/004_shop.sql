-- The club shop's purchases, as money movements (see 003): a checkout takes
-- the cart's stock and the payment, writes the order and clears the cart in
-- one statement; a cancellation refunds, restocks and marks the order.

-- A cart line holds at most 10 of a product.
alter table cart add constraint cart_quantity_max check (quantity <= 10);
create index orders_transfer_idx on orders (transfer_id);

-- Takes `p_lines` ([{product_id, quantity}]) from stock, products locked in
-- id order (so two checkouts sharing products wait, never deadlock), each
-- with a guarded update. If any line cannot be served, fails with PF409
-- `sold-out` naming them (its hint: {"products": [...]}), and nothing is taken.
create function shop_take_stock(p_lines jsonb) returns void language plpgsql as $$
declare
  short text[];
begin
  perform 1 from products
  where id in (select l ->> 'product_id' from jsonb_array_elements(p_lines) l)
  order by id
  for update;
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

-- The fan's cart, paid from the wallet to the shop_revenue account's shard
-- `p_shard`. Prices are the products' at checkout. Each unit of an `nft`
-- product also becomes a collectible in the buyer's wallet assets.
create function shop_checkout(p_claim jsonb, p_shard integer) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  order_id constant uuid := gen_random_uuid();
  prior jsonb;
  locked record;
  wallet ledger_account;
  revenue ledger_account;
  lines jsonb;
  total bigint;
  posted jsonb;
  placed orders;
begin
  prior := movement_claim(p_claim);
  if prior is not null then
    return prior;
  end if;
  -- The wallet's lock also serialises checkouts of the same cart.
  locked := ledger_lock_pair(me, '{}', '{}', array['shop_revenue'], p_shard);
  wallet := locked.mine;
  revenue := locked.theirs;
  select coalesce(jsonb_agg(jsonb_build_object(
           'product_id', p.id, 'name', p.name, 'club', p.club, 'category', p.category, 'nft', p.nft,
           'unit_price', p.price, 'quantity', c.quantity) order by p.id), '[]'),
         coalesce(sum(p.price * c.quantity), 0)
  into lines, total
  from cart c join products p on p.id = c.product_id
  where c.user_id = me;
  if jsonb_array_length(lines) = 0 then
    return movement_settle(p_claim, 422, '{"refusal": "cart-empty"}', '{}');
  end if;
  if ledger_shortfall(wallet, total) is not null then
    return movement_settle(p_claim, 422, ledger_shortfall(wallet, total), '{}');
  end if;
  perform shop_take_stock(lines);
  posted := ledger_post('purchase', jsonb_build_array(
    ledger_leg(wallet, 'purchase', -total, revenue, jsonb_build_object('order_id', order_id)),
    ledger_leg(revenue, 'sale', total, wallet, jsonb_build_object('order_id', order_id))));
  insert into orders (id, user_id, items, total, status, transfer_id)
  select order_id, me,
         jsonb_agg(jsonb_build_object('product_id', l ->> 'product_id', 'name', l ->> 'name',
                                      'unit_price', (l ->> 'unit_price')::bigint, 'quantity', (l ->> 'quantity')::integer)),
         total, 'paid', (posted ->> 'transfer_id')::uuid
  from jsonb_array_elements(lines) l
  returning * into placed;
  update wallets set assets = jsonb_set(assets, '{collectibles}', (assets -> 'collectibles') || coalesce((
    select jsonb_agg(jsonb_build_object('product_id', l ->> 'product_id', 'name', l ->> 'name', 'order_id', order_id,
                                        'acquired_at', placed.created_at))
    from jsonb_array_elements(lines) l, generate_series(1, (l ->> 'quantity')::integer)
    where (l ->> 'nft')::boolean), '[]'))
  where id = wallet.id and exists (select 1 from jsonb_array_elements(lines) l where (l ->> 'nft')::boolean);
  delete from cart where user_id = me;
  return movement_settle(p_claim, 201, jsonb_build_object('order', to_jsonb(placed), 'lines', lines), array[me]);
end $$;

-- The buyer cancels a paid order (not yet shipped): the payment is reversed
-- by a refund transfer, the stock returned, the order's collectibles taken
-- back. An order no longer `paid` is a conflict (PF409, not stored).
create function shop_order_cancel(p_claim jsonb, p_shard integer, p_order uuid) returns jsonb language plpgsql as $$
declare
  me constant uuid := (p_claim ->> 'user_id')::uuid;
  prior jsonb;
  locked record;
  wallet ledger_account;
  revenue ledger_account;
  placed orders;
  lines jsonb;
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
  locked := ledger_lock_pair(me, '{}', '{}', array['shop_revenue'], p_shard);
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
  update orders set status = 'cancelled' where id = placed.id returning * into placed;
  select coalesce(jsonb_agg(jsonb_build_object('product_id', p.id, 'club', p.club, 'category', p.category)), '[]') into lines
  from products p where p.id in (select i ->> 'product_id' from jsonb_array_elements(placed.items) i);
  return movement_settle(p_claim, 200, jsonb_build_object('order', to_jsonb(placed), 'lines', lines), array[me]);
end $$;
