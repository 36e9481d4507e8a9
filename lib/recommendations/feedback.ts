import { invalidate } from '../cache';
import { db } from '../db';
import { notFound } from '../http/problem';
import { recommendationsKey } from './keys';
import type { FeedbackInput, FeedbackView, ItemKind } from './schemas';

/**
 * Records what the fan thinks of an item recommended to them, replacing
 * what they said before. Feedback is of the item, not of the row: it holds
 * when the item is recommended again, for another reason.
 */
export const giveFeedback = async (userId: string, id: string, { feedback }: FeedbackInput): Promise<FeedbackView> => {
  const sql = db();
  const [row] = await sql<{ type: ItemKind; item: string }[]>`
    insert into ai_feedback (user_id, type, item, feedback)
    select user_id, type, item, ${feedback} from ai_recommendations
    -- Rows from before recommendations named their item have nothing to say it of.
    where id = ${id} and user_id = ${userId} and item <> '' and type in ('product', 'event', 'esim_plan')
    on conflict (user_id, type, item) do update set feedback = excluded.feedback, created_at = now()
    returning type, item`;
  if (!row) throw notFound('No recommendation of yours has this id.');
  await invalidate(recommendationsKey(userId));
  return { id, type: row.type, item: row.item, feedback };
};
