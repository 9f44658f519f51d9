// The names the client and the app use for v1.1 shapes, on the generated types (types.ts): one source, the OpenAPI document.
import type { ChatSettingsUpdate, ChatTimer, ForwardedMessages, Invite, MemberReceipt, Reactions } from "./types";

/** One member's receipt for a message (`GET .../messages/{seq}/receipts`). */
export type MessageReceipt = MemberReceipt;

/** `PATCH /api/chats/{chatId}/settings`: the caller's own view of a chat (`mutedUntil: null` unmutes). */
export type ChatSettingsChange = ChatSettingsUpdate;

export type ReactionsResult = Reactions;

export type ForwardResult = ForwardedMessages;

export type InviteCode = Invite;

/** The disappearing-messages timers `PUT /api/chats/{chatId}/timer` accepts (seconds; 0 is off). */
export const MESSAGE_TIMERS = [0, 86400, 604800, 7776000] as const satisfies readonly ChatTimer["seconds"][];
export type MessageTimer = ChatTimer["seconds"];

/** Upload progress: bytes sent so far of the total. */
export type UploadProgress = (sent: number, total: number) => void;
