import {
  applyReaction, applyReceipt, mergeMessages,
  type Chat, type Message, type Presence, type Reaction, type ReactionEvent, type ReceiptEvent, type ReceiptMarks, type ShownMessage, type User,
} from "@chat/sdk";

/** What the signed-in page knows: chats, the messages loaded per chat, receipts, typing and presence. */
export interface State {
  chats: Chat[];
  users: Record<string, User>;
  messages: Record<string, ShownMessage[]>;
  marks: Record<string, ReceiptMarks>;
  /** chatId to userId to the time (ms) their typing indicator ends. */
  typing: Record<string, Record<string, number>>;
  presence: Record<string, Presence>;
  openChatId?: string;
  /** chatId to whether older messages than the loaded ones exist (from the pages' `hasMore`). */
  hasOlder: Record<string, boolean>;
  /** userIds the signed-in user has blocked. */
  blocked: Record<string, boolean>;
  /** clientMessageId to its file's upload: the name and the part sent so far (0..1). */
  uploads: Record<string, Upload>;
}

export interface Upload {
  fileName: string;
  progress: number;
}

export type Action =
  | { type: "chats"; chats: Chat[] }
  | { type: "chat"; chat: Chat }
  | { type: "users"; users: User[] }
  | { type: "open"; chatId?: string }
  | { type: "messages"; chatId: string; messages: ShownMessage[] }
  | { type: "message"; message: Message; me: string }
  | { type: "deleted"; chatId: string; seq: number }
  | { type: "receipt"; receipt: ReceiptEvent }
  | { type: "read"; chatId: string }
  | { type: "typing"; chatId: string; userId: string; until: number }
  | { type: "presence"; presence: Presence[] }
  | { type: "older"; chatId: string; messages: Message[]; hasMore: boolean }
  | { type: "removeChat"; chatId: string }
  | { type: "reaction"; event: ReactionEvent }
  | { type: "reactions"; chatId: string; seq: number; reactions: Reaction[] }
  | { type: "blocked"; userIds: string[]; blocked: boolean; replace?: boolean }
  | { type: "upload"; clientMessageId: string; upload?: Upload };

export const initialState: State = { chats: [], users: {}, messages: {}, marks: {}, typing: {}, presence: {}, hasOlder: {}, blocked: {}, uploads: {} };

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "chats":
      return { ...state, chats: sortChats(action.chats.map((c) => keepLocalUnread(state, c))) };
    case "chat":
      return { ...state, chats: upsertChat(state.chats, action.chat) };
    case "users":
      return { ...state, users: { ...state.users, ...Object.fromEntries(action.users.map((u) => [u.userId, u])) } };
    case "open":
      return { ...state, openChatId: action.chatId };
    case "messages":
      return { ...state, messages: { ...state.messages, [action.chatId]: mergeMessages(state.messages[action.chatId] ?? [], action.messages) } };
    case "message":
      return onMessage(state, action.message, action.me);
    case "deleted":
      return mapMessages(state, action.chatId, (m) => (m.seq === action.seq
        ? { ...m, deleted: true, text: undefined, media: undefined, replyToSeq: undefined, replyTo: undefined, reactions: [] }
        : m.replyTo?.seq === action.seq ? { ...m, replyTo: { ...m.replyTo, text: undefined, deleted: true } } : m));
    case "older":
      return {
        ...state,
        messages: { ...state.messages, [action.chatId]: mergeMessages(state.messages[action.chatId] ?? [], action.messages) },
        hasOlder: { ...state.hasOlder, [action.chatId]: action.hasMore },
      };
    case "removeChat": {
      const { [action.chatId]: _gone, ...messages } = state.messages;
      return { ...state, chats: state.chats.filter((c) => c.chatId !== action.chatId), messages, openChatId: state.openChatId === action.chatId ? undefined : state.openChatId };
    }
    case "reaction":
      return mapMessages(state, action.event.chatId, (m) => applyReaction(m, action.event));
    case "reactions":
      return mapMessages(state, action.chatId, (m) => (m.seq === action.seq ? { ...m, reactions: action.reactions } : m));
    case "blocked": {
      const blocked = action.replace ? {} : { ...state.blocked };
      for (const id of action.userIds) {
        if (action.blocked) {
          blocked[id] = true;
        } else {
          delete blocked[id];
        }
      }
      return { ...state, blocked };
    }
    case "upload": {
      const { [action.clientMessageId]: _done, ...uploads } = state.uploads;
      return { ...state, uploads: action.upload === undefined ? uploads : { ...uploads, [action.clientMessageId]: action.upload } };
    }
    case "receipt":
      return { ...state, marks: { ...state.marks, [action.receipt.chatId]: applyReceipt(state.marks[action.receipt.chatId] ?? {}, action.receipt) } };
    case "read":
      return { ...state, chats: state.chats.map((c) => (c.chatId === action.chatId ? { ...c, unreadCount: 0, readSeq: c.lastSeq } : c)) };
    case "typing":
      return { ...state, typing: { ...state.typing, [action.chatId]: { ...state.typing[action.chatId], [action.userId]: action.until } } };
    case "presence":
      return { ...state, presence: { ...state.presence, ...Object.fromEntries(action.presence.map((p) => [p.userId, p])) } };
  }
}

function onMessage(state: State, message: Message, me: string): State {
  const known = state.messages[message.chatId];
  const messages = { ...state.messages, [message.chatId]: mergeMessages(known ?? [], [message]) };
  const typing = { ...state.typing, [message.chatId]: { ...state.typing[message.chatId], [message.senderId]: 0 } };
  const chats = state.chats.map((c) => {
    if (c.chatId !== message.chatId || message.seq < c.lastSeq) {
      return c;
    }
    // Counted once: a message at or below the chat's lastSeq is already in the server's unreadCount or ours.
    const fresh = message.seq > c.lastSeq && message.seq > (c.readSeq ?? 0);
    const unread = fresh && message.senderId !== me ? (c.unreadCount ?? 0) + 1 : c.unreadCount;
    return { ...c, lastMessage: message, lastSeq: message.seq, unreadCount: unread };
  });
  return { ...state, messages, typing, chats: sortChats(chats) };
}

function mapMessages(state: State, chatId: string, map: (m: ShownMessage) => ShownMessage): State {
  const list = state.messages[chatId];
  const chats = state.chats.map((c) => (c.chatId === chatId && c.lastMessage ? { ...c, lastMessage: map(c.lastMessage as ShownMessage) as Message } : c));
  return list ? { ...state, chats, messages: { ...state.messages, [chatId]: list.map(map) } } : { ...state, chats };
}

function upsertChat(chats: Chat[], chat: Chat): Chat[] {
  const known = chats.find((c) => c.chatId === chat.chatId);
  // The `chat` event has no readSeq/unreadCount/settings (an answer of PATCH .../settings has them): keep ours where it has none.
  const merged: Chat = known
    ? { ...known, ...chat, readSeq: chat.readSeq ?? known.readSeq, unreadCount: chat.unreadCount ?? known.unreadCount, settings: chat.settings ?? known.settings, lastMessage: chat.lastMessage ?? known.lastMessage }
    : chat;
  return sortChats([merged, ...chats.filter((c) => c.chatId !== chat.chatId)]);
}

function keepLocalUnread(state: State, chat: Chat): Chat {
  return chat.chatId === state.openChatId ? { ...chat, unreadCount: 0 } : chat;
}

/** Pinned chats first, then the others; each part by most recent activity. */
function sortChats(chats: Chat[]): Chat[] {
  const activity = (c: Chat) => c.lastMessage?.sentAt ?? c.createdAt;
  const pinned = (c: Chat) => (c.settings?.pinned ? 1 : 0);
  return [...chats].sort((a, b) => pinned(b) - pinned(a) || activity(b).localeCompare(activity(a)));
}

export function isMuted(chat: Chat, now = Date.now()): boolean {
  const until = chat.settings?.mutedUntil;
  return !!until && Date.parse(until) > now;
}

export function isAdmin(chat: Chat, userId: string): boolean {
  return chat.members.some((m) => m.userId === userId && m.role === "admin");
}

/** The name a chat shows: a group's name, or the other member's display name. */
export function chatName(chat: Chat, me: string, users: Record<string, User>): string {
  if (chat.type === "group") {
    return chat.name ?? "Group";
  }
  const other = otherMember(chat, me);
  return (other && users[other]?.displayName) ?? chat.name ?? "Direct chat";
}

export function otherMember(chat: Chat, me: string): string | undefined {
  return chat.members.find((m) => m.userId !== me)?.userId ?? chat.members[0]?.userId;
}
