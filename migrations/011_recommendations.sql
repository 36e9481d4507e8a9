-- A fan's recommendation of an item keeps its row (and its id, which feedback
-- names) when recomputed: one row per fan and item. Rows from before
-- recommendations named their item ('') are left as they are.
create unique index ai_recommendations_user_type_item_key on ai_recommendations (user_id, type, item) where item <> '';
drop index ai_recommendations_user_item_idx;
