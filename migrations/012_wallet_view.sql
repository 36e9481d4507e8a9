-- A fan's wallet figures as the balance route shows them. A movement's
-- statement calls it after the movement's function (lib/wallet/movement.ts),
-- so that the paying fan's new balance comes back in the same round trip and
-- is cached at once: volatile, it reads the rows that function just wrote.
create function wallet_view(p_user uuid) returns jsonb
language sql volatile as $$
  select jsonb_build_object('balance', balance, 'currency', currency, 'assets', assets) from wallets where user_id = p_user
$$;
