import * as z from 'zod/mini';
import { FanName, PageQuery, plainText, schema } from '../http/schemas';

/** At most 50 fans in a conversation: the one who starts it and 49 others. */
export const OTHERS_MAX = 49;

const Id = (what: string) => z.uuid({ error: `Must be a ${what} id` });

export const ConversationBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    participants: z.array(FanName).check(z.minLength(1, { error: 'Name at least one other fan' }), z.maxLength(OTHERS_MAX)),
    title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100), plainText())),
  }),
);
export const ConversationsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery }));
export const ConversationParams = /* @__PURE__ */ schema(() => z.strictObject({ id: Id('conversation') }));
export const MessagesQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery }));
export const MessageBody = /* @__PURE__ */ schema(() =>
  z.strictObject({
    message: z.string().check(z.trim(), z.minLength(1), z.maxLength(2000), plainText()),
    client_id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Must be 1 to 64 letters, digits, _ or -' }))),
  }),
);
export const ReadBody = /* @__PURE__ */ schema(() => z.strictObject({ up_to: Id('message') }));
export const UserParams = /* @__PURE__ */ schema(() => z.strictObject({ id: Id('user') }));
export const MessageParams = /* @__PURE__ */ schema(() => z.strictObject({ id: Id('message') }));
export const ReportBody = /* @__PURE__ */ schema(() =>
  z.strictObject({ reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(500), plainText()) }),
);

const Fan = /* @__PURE__ */ schema(() => z.object({ id: z.string(), name: z.string() }));

export const Message = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    conversation_id: z.string(),
    sender: Fan,
    message: z.string(),
    client_id: z.nullable(z.string()),
    created_at: z.string(),
  }),
);
export const Conversation = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    title: z.nullable(z.string()),
    direct: z.boolean(),
    participants: z.array(Fan),
    last_message: z.nullable(Message),
    unread_count: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
);
export const ConversationPage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Conversation), next_cursor: z.nullable(z.string()) }));
export const MessagePage = /* @__PURE__ */ schema(() => z.object({ items: z.array(Message), next_cursor: z.nullable(z.string()) }));
export const ReadMarker = /* @__PURE__ */ schema(() => z.object({ conversation_id: z.string(), up_to: z.string(), unread_count: z.number() }));
export const Block = /* @__PURE__ */ schema(() => z.object({ user: Fan, blocked: z.boolean() }));
export const Report = /* @__PURE__ */ schema(() =>
  z.object({ id: z.string(), message_id: z.string(), reason: z.string(), status: z.string(), created_at: z.string() }),
);

export type ConversationInput = z.infer<typeof ConversationBody>;
export type ConversationView = z.infer<typeof Conversation>;
export type MessageInput = z.infer<typeof MessageBody>;
export type MessageView = z.infer<typeof Message>;
export type ReadMarkerView = z.infer<typeof ReadMarker>;
export type BlockView = z.infer<typeof Block>;
export type ReportView = z.infer<typeof Report>;
export type PageFilter = z.infer<typeof ConversationsQuery>;
