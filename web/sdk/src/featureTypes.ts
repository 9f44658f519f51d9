// Shapes of API.md v1.1 that types.ts does not have (kept apart so a generated types.ts can replace that file).
import type { Message, Reaction } from "./types";

/** `Message.replyTo`: a preview of the quoted message. */
export interface ReplyPreview {
  seq: number;
  senderId: string;
  type: Message["type"];
  text?: string;
  deleted?: boolean;
}

/** One member's receipt for a message (`GET .../messages/{seq}/receipts`). */
export interface MessageReceipt {
  userId: string;
  deliveredAt?: string | null;
  readAt?: string | null;
}

/** `PATCH /api/chats/{chatId}/settings`: the caller's own view of a chat. */
export interface ChatSettingsChange {
  mutedUntil?: string | null;
  pinned?: boolean;
  archived?: boolean;
}

export interface ReactionsResult {
  chatId: string;
  seq: number;
  reactions: Reaction[];
}

export interface ForwardResult {
  messages: Message[];
}

export interface SearchPage {
  messages: Message[];
  hasMore: boolean;
  /** The `beforeSeq` to go on with while `hasMore` (also when the server's scan budget ran out with no match yet). */
  nextBeforeSeq?: number | null;
}

export interface InviteCode {
  inviteCode: string;
}

export interface Session {
  sessionId: string;
  deviceName?: string;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

/** The disappearing-messages timers `PUT /api/chats/{chatId}/timer` accepts (seconds; 0 is off). */
export const MESSAGE_TIMERS = [0, 86400, 604800, 7776000] as const;
export type MessageTimer = (typeof MESSAGE_TIMERS)[number];

/** Upload progress: bytes sent so far of the total. */
export type UploadProgress = (sent: number, total: number) => void;
