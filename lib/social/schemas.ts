import * as z from 'zod/mini';
import { ClubScope } from '../staff/schemas';
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
    /** Empty once a moderator removed the message, which stays in its place. */
    message: z.string(),
    removed: z.boolean(),
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
export const PostReport = /* @__PURE__ */ schema(() => z.extend(z.omit(Report, { message_id: true }), { post_id: z.string() }));

/** Where a report stands: `open` in the queue, then `dismissed`, or `actioned` when its item was removed. */
export const ReportStatus = /* @__PURE__ */ schema(() => z.enum(['open', 'dismissed', 'actioned']));
export type ReportStatus = z.infer<typeof ReportStatus>;
export const ReportsQuery = /* @__PURE__ */ schema(() => z.strictObject({ ...PageQuery, ...ClubScope, status: z._default(ReportStatus, 'open') }));
export type ReportsFilter = z.infer<typeof ReportsQuery>;
export const ReportParams = /* @__PURE__ */ schema(() => z.strictObject({ id: Id('report') }));
export const ResolveBody = /* @__PURE__ */ schema(() => z.strictObject({ action: z.enum(['dismiss', 'remove']) }));
export type ResolveAction = z.infer<typeof ResolveBody>['action'];

/**
 * An item of the moderation queue: a message or post with the reports of
 * it that share a status (an item reported again after a dismissal is back
 * in the queue with its new reports). `id` is its first report's, which
 * `resolve` takes, as it takes any of them.
 */
export const ReportedItem = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    kind: z.enum(['message', 'post']),
    status: ReportStatus,
    club: z.string(),
    item: z.object({ id: z.string(), text: z.string(), author: Fan, created_at: z.string(), removed: z.boolean() }),
    reports: z.array(z.object({ id: z.string(), reporter: Fan, reason: z.string(), created_at: z.string() })),
    first_reported_at: z.string(),
    resolved_at: z.nullable(z.string()),
  }),
);
export type ReportedItemView = z.infer<typeof ReportedItem>;
export const ReportedItems = /* @__PURE__ */ schema(() => z.object({ items: z.array(ReportedItem), next_cursor: z.nullable(z.string()) }));
export const Resolution = /* @__PURE__ */ schema(() =>
  z.object({
    id: z.string(),
    status: ReportStatus,
    kind: z.enum(['message', 'post']),
    item_id: z.string(),
    removed: z.boolean(),
    /** Every report of the item that this resolved: the one named and the others then open. */
    resolved: z.array(z.string()),
  }),
);
export type ResolutionView = z.infer<typeof Resolution>;

export type ConversationInput = z.infer<typeof ConversationBody>;
export type ConversationView = z.infer<typeof Conversation>;
export type MessageInput = z.infer<typeof MessageBody>;
export type MessageView = z.infer<typeof Message>;
export type ReadMarkerView = z.infer<typeof ReadMarker>;
export type BlockView = z.infer<typeof Block>;
export type PageFilter = z.infer<typeof ConversationsQuery>;
