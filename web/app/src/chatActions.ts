import { newClientMessageId, type ChatClient, type ChatSettingsChange, type Message, type MessageTimer, type ShownMessage, type User } from "@chat/sdk";
import type { Action, State } from "./state";

const PAGE = 50;
/** Pages loaded back at most when a search result jumps to an older message. */
const JUMP_PAGES = 20;

/** What the signed-in screens do through the API, each answer applied to the state. */
export function createChatActions(client: ChatClient, dispatch: (action: Action) => void, getState: () => State, me: string) {
  const oldestSeq = (chatId: string) => (getState().messages[chatId] ?? []).reduce((min, m) => (m.seq !== undefined && m.seq < min ? m.seq : min), Infinity);
  /** The older page being loaded per chat, shared by concurrent callers (a scroll and a jump). */
  const loadingOlder = new Map<string, Promise<number>>();

  const lookupAll = async (phoneNumbers: string[]): Promise<User[]> => {
    const users = await client.lookup(phoneNumbers);
    const missing = phoneNumbers.filter((p) => !users.some((u) => u.phoneNumber === p));
    if (missing.length > 0) {
      throw new Error(`No account uses ${missing.join(", ")}.`);
    }
    dispatch({ type: "users", users });
    return users;
  };

  /** Loads the page below the oldest loaded message (or below `beforeSeq`); resolves to the oldest seq now loaded. */
  const loadOlder = (chatId: string, below = oldestSeq(chatId)): Promise<number> => {
    const running = loadingOlder.get(chatId);
    if (running) {
      return running;
    }
    if (!Number.isFinite(below) || below <= 1) {
      return Promise.resolve(below);
    }
    const load = client.messages(chatId, { beforeSeq: below, limit: PAGE }).then((page) => {
      dispatch({ type: "older", chatId, messages: page.messages, hasMore: page.hasMore });
      return page.hasMore ? page.messages[0]?.seq ?? 1 : 1;
    }).finally(() => loadingOlder.delete(chatId));
    loadingOlder.set(chatId, load);
    return load;
  };

  return {
    lookupAll,

    async loadOlder(chatId: string): Promise<void> {
      await loadOlder(chatId);
    },

    /** Loads older pages until `seq` is loaded (a search result, a quote); false when it is too far back (or gone). */
    async loadUntil(chatId: string, seq: number): Promise<boolean> {
      let oldest = oldestSeq(chatId);
      for (let i = 0; i < JUMP_PAGES && oldest > seq && oldest > 1 && getState().hasOlder[chatId] !== false; i++) {
        oldest = await loadOlder(chatId, oldest);
      }
      return oldest <= seq;
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

    async updateGroup(chatId: string, change: { name?: string; description?: string }) {
      dispatch({ type: "chat", chat: await client.updateGroup(chatId, change) });
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
