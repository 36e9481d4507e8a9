-- Every deposit (and later every sale and ticket) also moved one platform
-- account, so all of them queued on that one row. Each platform account is
-- now 16 shards with their own balance chain; a movement uses the shard its
-- fan's id falls in, and the account's balance is the sum of its shards.
alter table wallets add column shard smallint not null default 0 check (shard between 0 and 15);
alter table wallets drop constraint wallets_system_key;
alter table wallets add constraint wallets_system_shard_key unique (system, shard);
insert into wallets (system, shard)
select accounts.system, shards.n
from (select distinct system from wallets where system is not null) accounts
cross join generate_series(1, 15) as shards (n);
