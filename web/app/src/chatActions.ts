import { newClientMessageId, type ChatClient, type ChatSettingsChange, type Message, type MessageTimer, type ShownMessage, type User } from "@chat/sdk";
import type { Action, State } from "./state";

const PAGE = 50;
/** Pages loaded back at most when a search result jumps to an older message. */
const JUMP_PAGES = 20;

/** What the signed-in screens do through the API, each answer applied to the state. */
export function createChatActions(client: ChatClient, dispatch: (action: Action) => void, getState: () => State, me: string) {
  const oldestSeq = (chatId: string) => (getState().messages[chatId] ?? []).reduce((min, m) => (m.seq !== undefined && m.seq < min ? m.seq : min), Infinity);
  const loadingOlder = new Set<string>();

  const lookupAll = async (phoneNumbers: string[]): Promise<User[]> => {
    const users = await client.lookup(phoneNumbers);
    const missing = phoneNumbers.filter((p) => !users.some((u) => u.phoneNumber === p));
    if (missing.length > 0) {
      throw new Error(`No account uses ${missing.join(", ")}.`);
    }
    dispatch({ type: "users", users });
    return users;
  };

  const loadOlder = async (chatId: string): Promise<void> => {
    const beforeSeq = oldestSeq(chatId);
    if (loadingOlder.has(chatId) || !Number.isFinite(beforeSeq) || beforeSeq <= 1) {
      return;
    }
    loadingOlder.add(chatId);
    try {
      const page = await client.messages(chatId, { beforeSeq, limit: PAGE });
      dispatch({ type: "older", chatId, messages: page.messages, hasMore: page.hasMore });
    } finally {
      loadingOlder.delete(chatId);
    }
  };

  return {
    lookupAll,
    loadOlder,

    /** Loads older pages until `seq` is loaded (a search result); false when it is too far back. */
    async loadUntil(chatId: string, seq: number): Promise<boolean> {
      for (let i = 0; i < JUMP_PAGES && oldestSeq(chatId) > seq && getState().hasOlder[chatId] !== false; i++) {
        await loadOlder(chatId);
      }
      return (getState().messages[chatId] ?? []).some((m) => m.seq === seq);
    },

    async settings(chatId: string, change: ChatSettingsChange) {
      dispatch({ type: "chat", chat: await client.updateSettings(chatId, change) });
    },

    async setTimer(chatId: string, seconds: MessageTimer) {
      dispatch({ type: "chat", chat: await client.setTimer(chatId, seconds) });
    },

    async block(userId: string, block: boolean) {
      await (block ? client.block(userId) : client.unblock(userId));
      dispatch({ type: "blocked", userIds: [userId], blocked: block });
    },

    async createGroup(name: string, phoneNumbers: string[]) {
      const users = phoneNumbers.length > 0 ? await lookupAll(phoneNumbers) : [];
      const chat = await client.createGroup(name, users.map((u) => u.userId));
      dispatch({ type: "chat", chat });
      return chat;
    },

    async joinGroup(inviteCode: string) {
      const chat = await client.joinGroup(inviteCode);
      dispatch({ type: "chat", chat });
      return chat;
    },

    async addMembers(chatId: string, phoneNumbers: string[]) {
      const users = await lookupAll(phoneNumbers);
      dispatch({ type: "chat", chat: await client.addMembers(chatId, users.map((u) => u.userId)) });
    },

    async removeMember(chatId: string, userId: string) {
      await client.removeMember(chatId, userId);
      const chat = getState().chats.find((c) => c.chatId === chatId);
      if (chat) {
        dispatch({ type: "chat", chat: { ...chat, members: chat.members.filter((m) => m.userId !== userId) } });
      }
    },

    async makeAdmin(chatId: string, userId: string) {
      dispatch({ type: "chat", chat: await client.makeAdmin(chatId, userId) });
    },

    async createInvite(chatId: string): Promise<string> {
      return (await client.createInvite(chatId)).inviteCode;
    },

    async leave(chatId: string) {
      await client.leaveGroup(chatId);
      dispatch({ type: "removeChat", chatId });
    },

    async edit(message: ShownMessage, text: string) {
      const edited = await client.editMessage(message.chatId, message.seq!, text);
      dispatch({ type: "messages", chatId: edited.chatId, messages: [edited] });
    },

    /** Toggles the caller's reaction: the same emoji again removes it. */
    async react(message: ShownMessage, emoji: string) {
      const seq = message.seq!;
      const mine = message.reactions?.find((r) => r.userId === me);
      if (mine?.emoji === emoji) {
        await client.unreact(message.chatId, seq);
        dispatch({ type: "reaction", event: { chatId: message.chatId, seq, userId: me, emoji: null, at: new Date().toISOString() } });
      } else {
        const result = await client.react(message.chatId, seq, emoji);
        dispatch({ type: "reactions", chatId: message.chatId, seq, reactions: result.reactions });
      }
    },

    async deleteMessage(message: ShownMessage) {
      await client.deleteMessage(message.chatId, message.seq!);
      dispatch({ type: "deleted", chatId: message.chatId, seq: message.seq! });
    },

    async forward(message: ShownMessage, chatIds: string[]): Promise<Message[]> {
      const result = await client.forward(message.chatId, message.seq!, chatIds, newClientMessageId());
      for (const forwarded of result.messages) {
        dispatch({ type: "message", message: forwarded, me });
      }
      return result.messages;
    },
  };
}

export type ChatActions = ReturnType<typeof createChatActions>;
