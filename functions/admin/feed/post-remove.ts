import { removePost as remove } from '../../../lib/feed/moderation';
import { removePost } from '../../../lib/feed/routes';
import { api } from '../../../lib/http/api';
import { staffOf } from '../../../lib/staff/act';

export const handler = api(removePost, (input) => remove(staffOf(input), input.params.id));
