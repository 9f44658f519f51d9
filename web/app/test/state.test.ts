import { describe, expect, it } from "vitest";
import type { Chat, Message } from "@chat/sdk";
import { chatName, initialState, reducer, type State } from "../src/state";

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
});
