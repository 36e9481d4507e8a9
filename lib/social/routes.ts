import { route } from '../http/route';
import {
  Block, Conversation, ConversationBody, ConversationPage, ConversationParams, ConversationsQuery, Message, MessageBody, MessagePage, MessageParams, MessagesQuery,
  ReadBody, ReadMarker, Report, ReportBody, ReportedItems, ReportParams, ReportsQuery, Resolution, ResolveBody, UserParams,
} from './schemas';

const tags = ['social'] as const;

export const startConversation = /* @__PURE__ */ route({
  operationId: 'startConversation',
  method: 'POST',
  path: '/api/social/conversations',
  summary: 'Start a conversation with 1 to 49 other fans (email or user id); a direct one with the same fan is returned, not made twice',
  tags,
  auth: 'required',
  body: ConversationBody,
  responses: {
    200: { description: 'The direct conversation you already have with this fan', schema: Conversation },
    201: { description: 'The conversation, started', schema: Conversation },
    403: { description: 'A fan named has blocked you' },
    404: { description: 'No fan has one of these emails or ids' },
    422: { description: 'Nobody named but yourself' },
  },
});

export const listConversations = /* @__PURE__ */ route({
  operationId: 'listConversations',
  method: 'GET',
  path: '/api/social/conversations',
  summary: "The fan's conversations, latest activity first, each with its participants, last message and unread count",
  tags,
  auth: 'required',
  query: ConversationsQuery,
  responses: { 200: { description: 'A page of conversations', schema: ConversationPage } },
});

export const listMessages = /* @__PURE__ */ route({
  operationId: 'listMessages',
  method: 'GET',
  path: '/api/social/conversations/{id}/messages',
  summary: 'Messages of a conversation of yours, newest first',
  tags,
  auth: 'required',
  params: ConversationParams,
  query: MessagesQuery,
  responses: { 200: { description: 'A page of messages', schema: MessagePage }, 404: { description: 'No such conversation of yours' } },
});

export const postMessage = /* @__PURE__ */ route({
  operationId: 'postMessage',
  method: 'POST',
  path: '/api/social/conversations/{id}/messages',
  summary: 'Post a message (1 to 2000 characters); a `client_id` sent again answers the message it already posted',
  tags,
  auth: 'required',
  limit: 'messages',
  params: ConversationParams,
  body: MessageBody,
  responses: {
    200: { description: 'The message this client_id already posted', schema: Message },
    201: { description: 'The message, posted and pushed to the participants', schema: Message },
    403: { description: 'A participant has blocked you' },
    404: { description: 'No such conversation of yours' },
  },
});

export const markRead = /* @__PURE__ */ route({
  operationId: 'markConversationRead',
  method: 'POST',
  path: '/api/social/conversations/{id}/read',
  summary: 'Mark the messages up to `up_to` read for you; the other participants get a read receipt',
  tags,
  auth: 'required',
  params: ConversationParams,
  body: ReadBody,
  responses: { 200: { description: 'Where you have read to, and what is left unread', schema: ReadMarker }, 404: { description: 'No such conversation of yours, or no such message in it' } },
});

export const blockFan = /* @__PURE__ */ route({
  operationId: 'blockFan',
  method: 'POST',
  path: '/api/social/users/{id}/block',
  summary: 'Block a fan: they can no longer message you or see your posts',
  tags,
  auth: 'required',
  params: UserParams,
  responses: { 200: { description: 'Blocked', schema: Block }, 404: { description: 'No such fan' }, 422: { description: 'Yourself' } },
});

export const unblockFan = /* @__PURE__ */ route({
  operationId: 'unblockFan',
  method: 'DELETE',
  path: '/api/social/users/{id}/block',
  summary: 'Unblock a fan (unblocking one not blocked answers the same)',
  tags,
  auth: 'required',
  params: UserParams,
  responses: { 200: { description: 'Not blocked', schema: Block }, 404: { description: 'No such fan' } },
});

export const reportMessage = /* @__PURE__ */ route({
  operationId: 'reportMessage',
  method: 'POST',
  path: '/api/social/messages/{id}/report',
  summary: 'Report a message of a conversation of yours for moderation, with your reason (once per message: reporting it again answers the same)',
  tags,
  auth: 'required',
  params: MessageParams,
  body: ReportBody,
  responses: {
    200: { description: 'Your earlier report of this message', schema: Report },
    201: { description: 'The report, stored for moderation', schema: Report },
    404: { description: 'No such message in a conversation of yours' },
    422: { description: 'Your own message' },
  },
});

// The back office's, listed with it: Swagger UI shows an operation under each of its tags, so one tag only.
const admin = ['admin'] as const;

export const listReports = /* @__PURE__ */ route({
  operationId: 'adminListReports',
  method: 'GET',
  path: '/api/admin/reports',
  summary:
    "The moderation queue of your clubs (moderator; `?club` narrows to one): reported messages of the club's fans and posts of its feed, each with its reports of `?status` (open by default), oldest first",
  tags: admin,
  auth: 'required',
  query: ReportsQuery,
  responses: { 200: { description: 'A page of reported items', schema: ReportedItems }, 404: { description: 'No club you moderate' } },
});

export const resolveReport = /* @__PURE__ */ route({
  operationId: 'adminResolveReport',
  method: 'POST',
  path: '/api/admin/reports/{id}/resolve',
  summary: "Dismiss a report, or remove its message or post from every fan's view; either resolves every open report of the same item",
  tags: admin,
  auth: 'required',
  params: ReportParams,
  body: ResolveBody,
  responses: {
    200: { description: 'Resolved, with every report it resolved', schema: Resolution },
    404: { description: 'No such report in a club you moderate' },
    409: { description: 'Already resolved (`report-resolved`)' },
  },
});
