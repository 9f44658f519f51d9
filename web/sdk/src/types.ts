// The shapes of API.md (v1.1); ids are opaque strings, times ISO 8601 strings.

export interface Tokens {
  userId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface User {
  userId: string;
  phoneNumber?: string;
  displayName: string;
  about?: string;
  avatarUrl?: string;
  online: boolean;
  lastSeen?: string | null;
}

export interface Registration {
  phoneNumber: string;
  expiresIn: number;
  registrationId: string;
}

export interface Member {
  userId: string;
  role: "admin" | "member";
  joinedAt: string;
}

export interface Media {
  mediaId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  url: string;
  thumbnailUrl?: string;
}

export type MessageType = "text" | "image" | "video" | "audio" | "file";
export type MessageStatus = "sent" | "delivered" | "read";

export interface Reaction {
  userId: string;
  emoji: string;
  at: string;
}

export interface Message {
  chatId: string;
  seq: number;
  messageId: string;
  clientMessageId: string;
  senderId: string;
  type: MessageType;
  text?: string;
  media?: Media;
  replyToSeq?: number;
  sentAt: string;
  status: MessageStatus;
  deleted?: boolean;
  editedAt?: string;
  reactions?: Reaction[];
  forwarded?: boolean;
  expiresAt?: string;
}

export interface ChatSettings {
  mutedUntil?: string | null;
  pinned: boolean;
  archived: boolean;
}

export interface Chat {
  chatId: string;
  type: "direct" | "group";
  name?: string;
  description?: string;
  members: Member[];
  lastMessage?: Message;
  lastSeq: number;
  readSeq?: number;
  unreadCount?: number;
  createdAt: string;
  settings?: ChatSettings;
  messageTimer?: number;
}

export interface ChatPage {
  chats: Chat[];
  nextCursor?: string;
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

export interface SendMessage {
  clientMessageId: string;
  type: MessageType;
  text?: string;
  mediaId?: string;
  replyToSeq?: number;
}

export interface Presence {
  userId: string;
  online: boolean;
  lastSeen?: string | null;
}

export interface UploadTicket {
  mediaId: string;
  uploadUrl: string;
  uploadHeaders: Record<string, string>;
  expiresAt: string;
}

export interface ReceiptEvent {
  chatId: string;
  userId: string;
  type: "delivered" | "read";
  upToSeq: number;
  at: string;
}

export interface TypingEvent {
  chatId: string;
  userId: string;
}

export interface MessageDeletedEvent {
  chatId: string;
  seq: number;
}

export interface ReactionEvent {
  chatId: string;
  seq: number;
  userId: string;
  emoji: string | null;
  at: string;
}

/** Server-to-client methods of the hub and their one argument. */
export interface ServerEvents {
  message: Message;
  receipt: ReceiptEvent;
  typing: TypingEvent;
  chat: Chat;
  messageDeleted: MessageDeletedEvent;
  presence: Presence;
  messageEdited: Message;
  reaction: ReactionEvent;
}
