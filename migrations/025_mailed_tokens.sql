-- One table for every single-use token mailed to a fan: a password reset's
-- (022) join the verification links' (023) in `email_tokens`, told apart by
-- their purpose, each row with the address it was sent to.
insert into email_tokens (id, user_id, purpose, token_hash, email, expires_at, used_at, created_at)
select t.id, t.user_id, t.purpose, t.token_hash, u.email, t.expires_at, t.used_at, t.created_at
from password_reset_tokens t join users u on u.id = t.user_id;
drop table password_reset_tokens;
