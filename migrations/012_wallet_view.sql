-- The wallets of the fans a movement moved, as the balance route shows them,
-- each with the sequence of its newest ledger entry. A movement's statement
-- calls it after the movement's function (lib/wallet/movement.ts): volatile,
-- it reads the rows that function just wrote, and the new balances come back
-- in the same round trip, to be cached at once. The sequence orders them: a
-- wallet's entries are written under its row lock, so a later commit has a
-- higher one, and a balance read before another is never cached after it.
-- PL/pgSQL, so that its query is planned once per connection, not per call.
create function wallet_views(p_fans jsonb) returns jsonb
language plpgsql volatile as $$
begin
  return (
    select coalesce(jsonb_object_agg(w.user_id, jsonb_build_object(
      'balance', w.balance, 'currency', w.currency, 'assets', w.assets,
      'seq', coalesce((select t.seq from transactions t where t.wallet_id = w.id order by t.seq desc limit 1), 0))), '{}')
    from wallets w
    where w.user_id = any (array(select jsonb_array_elements_text(coalesce(p_fans, '[]'))::uuid)));
end
$$;
