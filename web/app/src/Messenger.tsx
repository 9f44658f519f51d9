import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { lastSeq, newClientMessageId, Realtime, type Chat, type ChatClient, type Message, type Presence } from "@chat/sdk";
import { ChatList } from "./ChatList";
import { ChatView } from "./ChatView";
import { initialState, otherMember, reducer, type State } from "./state";

interface Props {
  client: ChatClient;
  me: string;
  onSignedOut: () => void;
}

export type Connection = "connecting" | "connected" | "reconnecting" | "disconnected";

const HEARTBEAT_MS = 30_000;
const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

export function Messenger({ client, me, onSignedOut }: Props) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [connection, setConnection] = useState<Connection>("connecting");
  const stateRef = useRef<State>(state);
  stateRef.current = state;

  const loadUsersById = useCallback(async (userIds: string[]) => {
    const ids = [...new Set(userIds)].filter((id) => id !== me && !stateRef.current.users[id]);
    if (ids.length === 0) {
      return;
    }
    const users = (await Promise.all(ids.map((id) => client.user(id).catch(() => undefined)))).filter((u) => u !== undefined);
    dispatch({ type: "users", users });
    dispatch({ type: "presence", presence: users.map((u) => ({ userId: u.userId, online: u.online, lastSeen: u.lastSeen })) });
  }, [client, me]);

  /** The other member of each direct chat (its name); a group's members load when it opens. */
  const loadUsers = useCallback((chats: Chat[]) =>
    loadUsersById(chats.filter((c) => c.type === "direct").map((c) => otherMember(c, me)).filter((id): id is string => !!id)), [loadUsersById, me]);

  const loadChats = useCallback(async () => {
    const page = await client.listChats();
    dispatch({ type: "chats", chats: page.chats });
    await loadUsers(page.chats);
    for (const chat of page.chats) {
      if (chat.lastMessage && chat.lastMessage.senderId !== me) {
        void client.receipt(chat.chatId, "delivered", chat.lastSeq).catch(() => undefined);
      }
    }
  }, [client, loadUsers, me]);

  /** Reads the chat up to its newest message; `atLeast` covers one just dispatched (stateRef lags until the next render). */
  const markRead = useCallback((chatId: string, atLeast = 0) => {
    const chat = stateRef.current.chats.find((c) => c.chatId === chatId);
    const seq = Math.max(atLeast, chat?.lastSeq ?? 0, lastSeq(stateRef.current.messages[chatId] ?? []));
    if (seq > 0 && document.visibilityState === "visible") {
      dispatch({ type: "read", chatId });
      void client.receipt(chatId, "read", seq).catch(() => undefined);
    }
  }, [client]);

  /** After a reconnect: every loaded chat catches up from its last seen seq, the list reloads. */
  const catchUp = useCallback(async () => {
    await loadChats();
    for (const [chatId, messages] of Object.entries(stateRef.current.messages)) {
      const missed = await client.messagesAfter(chatId, lastSeq(messages));
      dispatch({ type: "messages", chatId, messages: missed });
    }
    const open = stateRef.current.openChatId;
    if (open) {
      // Receipts missed while away: the newest page carries the current statuses.
      const newest = (await client.messages(open, { limit: 50 })).messages;
      dispatch({ type: "messages", chatId: open, messages: newest });
      markRead(open, lastSeq(newest));
    }
  }, [client, loadChats, markRead]);

  const onMessage = useCallback((message: Message) => {
    dispatch({ type: "message", message, me });
    if (!stateRef.current.chats.some((c) => c.chatId === message.chatId)) {
      void loadChats();
    }
    if (message.senderId === me) {
      return;
    }
    if (stateRef.current.openChatId === message.chatId) {
      markRead(message.chatId, message.seq);
    } else {
      void client.receipt(message.chatId, "delivered", message.seq).catch(() => undefined);
    }
  }, [client, loadChats, markRead, me]);

  useEffect(() => {
    let stopped = false;
    let restart: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    // A connection the server closed (or a start that failed) is not retried by the hub client: start it again.
    const restartLater = () => {
      if (!stopped && restart === undefined) {
        restart = setTimeout(() => {
          restart = undefined;
          start();
        }, RESTART_DELAYS_MS[Math.min(failures++, RESTART_DELAYS_MS.length - 1)]);
      }
    };
    const realtime = new Realtime(client, {
      handlers: {
        message: onMessage,
        messageEdited: (message) => dispatch({ type: "messages", chatId: message.chatId, messages: [message] }),
        messageDeleted: (e) => dispatch({ type: "deleted", chatId: e.chatId, seq: e.seq }),
        receipt: (receipt) => dispatch({ type: "receipt", receipt }),
        typing: (e) => e.userId !== me && dispatch({ type: "typing", chatId: e.chatId, userId: e.userId, until: Date.now() + 5000 }),
        chat: (chat) => {
          dispatch({ type: "chat", chat });
          void loadUsers([chat]);
        },
        presence: (p) => dispatch({ type: "presence", presence: [p] }),
      },
      onReconnected: () => void catchUp(),
      onStateChange: (next) => {
        setConnection(next);
        if (next === "disconnected") {
          restartLater();
        }
      },
    });
    const start = () => realtime.start().then(
      () => {
        failures = 0;
        void catchUp(); // anything sent between the list load (or the close) and the connection
      },
      () => {
        if (!stopped) {
          setConnection("disconnected");
          restartLater();
        }
      },
    );
    void start();
    void loadChats().catch(() => undefined);
    return () => {
      stopped = true;
      clearTimeout(restart);
      void realtime.stop();
    };
  }, [client, me, onMessage, catchUp, loadChats, loadUsers]);

  useEffect(() => {
    const beat = () => void client.heartbeat().catch(() => undefined);
    beat();
    const timer = setInterval(beat, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }, [client]);

  // Signed out elsewhere (a refused refresh): back to the sign-in form.
  useEffect(() => {
    const timer = setInterval(() => !client.tokens && onSignedOut(), 1000);
    return () => clearInterval(timer);
  }, [client, onSignedOut]);

  useEffect(() => {
    const onVisible = () => state.openChatId && markRead(state.openChatId);
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [markRead, state.openChatId]);

  const openChat = useCallback(async (chatId: string) => {
    dispatch({ type: "open", chatId });
    const members = stateRef.current.chats.find((c) => c.chatId === chatId)?.members ?? [];
    void loadUsersById(members.map((m) => m.userId));
    const page = await client.messages(chatId, { limit: 50 });
    dispatch({ type: "messages", chatId, messages: page.messages });
    markRead(chatId, lastSeq(page.messages));
  }, [client, loadUsersById, markRead]);

  const startChat = useCallback(async (phoneNumber: string) => {
    const [user] = await client.lookup([phoneNumber]);
    if (!user) {
      throw new Error(`No account uses ${phoneNumber}.`);
    }
    const chat = await client.openDirect(user.userId);
    dispatch({ type: "users", users: [user] });
    dispatch({ type: "chat", chat });
    await openChat(chat.chatId);
  }, [client, openChat]);

  const send = useCallback(async (chatId: string, text: string, file?: File) => {
    const clientMessageId = newClientMessageId();
    const type = !file ? "text" : file.type.startsWith("image/") ? "image" : file.type.startsWith("video/") ? "video" : file.type.startsWith("audio/") ? "audio" : "file";
    const optimistic = { chatId, clientMessageId, senderId: me, type, text: file ? undefined : text, sentAt: new Date().toISOString(), status: "sent", pending: true } as const;
    dispatch({ type: "messages", chatId, messages: [optimistic] });
    try {
      const mediaId = file ? (await client.upload(file, file.name)).mediaId : undefined;
      const sent = await client.send(chatId, { clientMessageId, type, text: file ? undefined : text, mediaId });
      dispatch({ type: "message", message: sent, me });
    } catch (e) {
      dispatch({ type: "messages", chatId, messages: [{ ...optimistic, failed: true }] });
      throw e;
    }
  }, [client, me]);

  const onPresence = useCallback((presence: Presence[]) => dispatch({ type: "presence", presence }), []);

  const signOut = useCallback(async () => {
    await client.logout().catch(() => undefined);
    onSignedOut();
  }, [client, onSignedOut]);

  const openChatValue = state.chats.find((c) => c.chatId === state.openChatId);
  return (
    <div className={`messenger ${openChatValue ? "has-open-chat" : ""}`}>
      <ChatList state={state} me={me} connection={connection} onOpen={openChat} onStartChat={startChat} onSignOut={signOut} />
      {openChatValue ? (
        <ChatView
          key={openChatValue.chatId}
          chat={openChatValue}
          state={state}
          me={me}
          client={client}
          onSend={(text, file) => send(openChatValue.chatId, text, file)}
          onTyping={() => void client.typing(openChatValue.chatId).catch(() => undefined)}
          onBack={() => dispatch({ type: "open", chatId: undefined })}
          onPresence={onPresence}
        />
      ) : (
        <section className="chat-placeholder" aria-label="No chat open">
          <p>Choose a chat, or start one with “New chat”.</p>
        </section>
      )}
    </div>
  );
}
