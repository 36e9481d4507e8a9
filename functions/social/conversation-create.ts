import { api } from '../../lib/http/api';
import { startConversation as start } from '../../lib/social/conversations';
import { startConversation } from '../../lib/social/routes';

export const handler = api(startConversation, ({ user, body }) => start(user.id, body));
