// The shapes of API.md (v1.1), generated from the backend's OpenAPI document (src/generated/openapi.ts; regenerate
// with `npm run generate`, see web/README.md). Ids are opaque strings, times ISO 8601 strings.
import type { components } from "./generated/openapi";

type Schemas = components["schemas"];

export type Tokens = Schemas["IssuedTokens"];
export type User = Schemas["UserView"];
export type Registration = Schemas["RegisterAccepted"];
export type Member = Schemas["MemberView"];
export type Media = Schemas["MediaView"];
export type MessageType = Schemas["MessageView"]["type"];
export type MessageStatus = Schemas["MessageView"]["status"];
export type Reaction = Schemas["ReactionView"];
export type ReplyPreview = Schemas["ReplyToView"];
export type Message = Schemas["MessageView"];
export type ChatSettings = Schemas["ChatSettingsView"];
export type Chat = Schemas["ChatView"];
export type ChatPage = Schemas["ChatPage"];
export type MessagePage = Schemas["MessagePage"];
export type SendMessage = Schemas["SendMessageRequest"];
export type Presence = Schemas["PresenceView"];
export type UploadTicket = Schemas["UploadTicket"];
export type ReceiptEvent = Schemas["ReceiptEvent"];
export type TypingEvent = Schemas["TypingEvent"];
export type MessageDeletedEvent = Schemas["MessageDeletedEvent"];
export type ReactionEvent = Schemas["ReactionEvent"];
export type PresenceEvent = Schemas["PresenceEvent"];

// Bodies of the v1.1 routes.
export type EditMessage = Schemas["EditMessageRequest"];
export type ReactionRequest = Schemas["ReactionRequest"];
export type Reactions = Schemas["ReactionsView"];
export type ForwardRequest = Schemas["ForwardRequest"];
export type ForwardedMessages = Schemas["ForwardedMessages"];
/** A page of `GET /api/chats/{chatId}/messages/search`: newest first. */
export type SearchPage = Schemas["MessagePage"];
export type MemberReceipt = Schemas["MemberReceiptView"];
export type ChatSettingsUpdate = Schemas["ChatSettingsRequest"];
export type ChatTimer = Schemas["TimerRequest"];
/** `GET /api/users/me/blocked`. */
export type BlockedUsers = User[];
export type Session = Schemas["SessionView"];
export type ProfileUpdate = Schemas["UpdateProfileRequest"];
export type GroupCreate = Schemas["CreateGroupRequest"];
export type GroupUpdate = Schemas["UpdateGroupRequest"];
export type Invite = Schemas["InviteView"];
export type MediaRequest = Schemas["CreateMediaRequest"];
export type DeviceRegistration = Schemas["RegisterDeviceRequest"];
export type Negotiation = Schemas["NegotiateResult"];
export type Health = Schemas["HealthView"];

/** Server-to-client methods of the hub and their one argument (the document's x-signalr events). */
export type ServerEvents = Schemas["ServerEvents"];
