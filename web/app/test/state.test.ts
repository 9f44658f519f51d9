import { describe, expect, it } from "vitest";
import type { Chat, Message } from "@chat/sdk";
import { chatName, initialState, isMuted, reducer, type State } from "../src/state";

const chat = (over: Partial<Chat> = {}): Chat => ({
  chatId: "c1", type: "direct", members: [{ userId: "me", role: "member", joinedAt: "" }, { userId: "bob", role: "member", joinedAt: "" }],
  lastSeq: 0, readSeq: 0, unreadCount: 0, createdAt: "2026-12-01T09:00:00.000Z", ...over,
});
const message = (seq: number, senderId = "bob", over: Partial<Message> = {}): Message => ({
  chatId: "c1", seq, messageId: `m${seq}`, clientMessageId: `cm${seq}`, senderId, type: "text", text: `t${seq}`, sentAt: `2026-12-01T10:00:0${seq}.000Z`, status: "sent", ...over,
});
const withChats = (...chats: Chat[]): State => reducer(initialState, { type: "chats", chats });

describe("state", () => {
  it("a live message from another member counts once as unread, even when it arrives twice", () => {
    let state = withChats(chat());
    state = reducer(state, { type: "message", message: message(1), me: "me" });
    state = reducer(state, { type: "message", message: message(1), me: "me" });

    expect(state.chats[0]!.unreadCount).toBe(1);
    expect(state.chats[0]!.lastMessage?.seq).toBe(1);
  });

  it("a message the listed chat already counted adds nothing; my own never counts", () => {
    let state = withChats(chat({ lastSeq: 2, unreadCount: 2 }));
    state = reducer(state, { type: "message", message: message(2), me: "me" });
    state = reducer(state, { type: "message", message: message(3, "me"), me: "me" });

    expect(state.chats[0]!.unreadCount).toBe(2);
  });

  it("reading clears the count; a chat event keeps our readSeq and unreadCount", () => {
    let state = withChats(chat({ lastSeq: 2, unreadCount: 2 }));
    state = reducer(state, { type: "read", chatId: "c1" });
    state = reducer(state, { type: "chat", chat: { ...chat({ name: "renamed" }), unreadCount: undefined, readSeq: undefined } });

    expect(state.chats[0]).toMatchObject({ unreadCount: 0, readSeq: 2, name: "renamed" });
  });

  it("the most recent chat comes first", () => {
    let state = withChats(chat({ chatId: "a" }), chat({ chatId: "b" }));
    state = reducer(state, { type: "message", message: message(1, "bob", { chatId: "b" }), me: "me" });

    expect(state.chats.map((c) => c.chatId)).toEqual(["b", "a"]);
  });

  it("a deleted message loses its text", () => {
    let state = reducer(initialState, { type: "messages", chatId: "c1", messages: [message(1)] });
    state = reducer(state, { type: "deleted", chatId: "c1", seq: 1 });

    expect(state.messages.c1![0]).toMatchObject({ deleted: true, text: undefined });
  });

  it("a direct chat is named after the other member, a group after itself", () => {
    const users = { bob: { userId: "bob", displayName: "Bob", online: false } };

    expect(chatName(chat(), "me", users)).toBe("Bob");
    expect(chatName(chat({ type: "group", name: "Family" }), "me", users)).toBe("Family");
  });

  it("pinned chats come first, each part by most recent activity", () => {
    const state = withChats(
      chat({ chatId: "old-pinned", settings: { pinned: true, archived: false }, createdAt: "2026-01-01T00:00:00.000Z" }),
      chat({ chatId: "recent", createdAt: "2026-12-02T00:00:00.000Z" }),
      chat({ chatId: "new-pinned", settings: { pinned: true, archived: false }, createdAt: "2026-06-01T00:00:00.000Z" }),
    );

    expect(state.chats.map((c) => c.chatId)).toEqual(["new-pinned", "old-pinned", "recent"]);
  });

  it("a settings answer replaces our settings; a chat event (no settings) keeps them", () => {
    let state = withChats(chat());
    state = reducer(state, { type: "chat", chat: chat({ settings: { pinned: true, archived: false, mutedUntil: "2999-01-01T00:00:00.000Z" } }) });
    state = reducer(state, { type: "chat", chat: { ...chat({ messageTimer: 86400 }), settings: undefined } });

    expect(state.chats[0]!.settings?.pinned).toBe(true);
    expect(state.chats[0]!.messageTimer).toBe(86400);
    expect(isMuted(state.chats[0]!)).toBe(true);
    expect(isMuted(chat({ settings: { pinned: false, archived: false, mutedUntil: "2000-01-01T00:00:00.000Z" } }))).toBe(false);
  });

  it("reaction events and answers change the message and the chat's last message", () => {
    let state = withChats(chat());
    state = reducer(state, { type: "message", message: message(1), me: "me" });
    state = reducer(state, { type: "reaction", event: { chatId: "c1", seq: 1, userId: "bob", emoji: "👍", at: "" } });
    expect(state.messages.c1![0]!.reactions).toEqual([{ userId: "bob", emoji: "👍", at: "" }]);
    expect(state.chats[0]!.lastMessage?.reactions).toHaveLength(1);

    state = reducer(state, { type: "reactions", chatId: "c1", seq: 1, reactions: [] });
    expect(state.messages.c1![0]!.reactions).toEqual([]);
  });

  it("a deleted message marks the replies quoting it", () => {
    let state = reducer(initialState, { type: "messages", chatId: "c1", messages: [message(1), message(2, "me", { replyToSeq: 1, replyTo: { seq: 1, senderId: "bob", type: "text", text: "t1" } } as Partial<Message>)] });
    state = reducer(state, { type: "deleted", chatId: "c1", seq: 1 });

    expect(state.messages.c1![1]!.replyTo).toEqual({ seq: 1, senderId: "bob", type: "text", text: undefined, deleted: true });
  });

  it("older pages merge below and say whether more exist; removing a chat closes it", () => {
    let state = reducer(withChats(chat()), { type: "open", chatId: "c1" });
    state = reducer(state, { type: "older", chatId: "c1", messages: [message(3), message(4)], hasMore: true });
    state = reducer(state, { type: "older", chatId: "c1", messages: [message(1), message(2)], hasMore: false });
    expect(state.messages.c1!.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(state.hasOlder.c1).toBe(false);

    state = reducer(state, { type: "removeChat", chatId: "c1" });
    expect(state).toMatchObject({ chats: [], openChatId: undefined });
    expect(state.messages.c1).toBeUndefined();
  });

  it("blocked users: the list replaces, a block and an unblock change one", () => {
    let state = reducer(initialState, { type: "blocked", userIds: ["a", "b"], blocked: true, replace: true });
    state = reducer(state, { type: "blocked", userIds: ["a"], blocked: false });
    state = reducer(state, { type: "blocked", userIds: ["c"], blocked: true });

    expect(state.blocked).toEqual({ b: true, c: true });
  });
});
