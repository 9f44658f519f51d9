import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { lastSeq, Realtime, type Chat, type ChatClient, type Message, type Presence } from "@chat/sdk";
import { createChatActions } from "./chatActions";
import { ChatList } from "./ChatList";
import { ChatView } from "./ChatView";
import { notifyIfHidden } from "./notifications";
import { PrivacyDialog } from "./PrivacyDialog";
import { createSender } from "./sending";
import { chatName, initialState, otherMember, reducer, type State } from "./state";

interface Props {
  client: ChatClient;
  me: string;
  onSignedOut: () => void;
}

export type Connection = "connecting" | "connected" | "reconnecting" | "disconnected";

const HEARTBEAT_MS = 30_000;
const PAGE = 50;

/** The code of a `/join/{code}` address the page was opened at. */
function inviteCodeInAddress(): string | undefined {
  const match = location.pathname.match(/^\/join\/([^/?#]+)/);
  return match ? decodeURIComponent(match[1]!) : undefined;
}
const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

export function Messenger({ client, me, onSignedOut }: Props) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [connection, setConnection] = useState<Connection>("connecting");
  const stateRef = useRef<State>(state);
  const openChatRef = useRef<(chatId: string) => Promise<void>>(undefined);
  stateRef.current = state;
  const actions = useMemo(() => createChatActions(client, dispatch, () => stateRef.current, me), [client, me]);
  const sender = useMemo(() => createSender(client, dispatch, () => stateRef.current, me), [client, me]);
  const realtimeRef = useRef<Realtime>(undefined);
  const [inviteCode] = useState(inviteCodeInAddress);
  const [privacyOpen, setPrivacyOpen] = useState(false);

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

  /** The listed chats and the archived ones (GET /api/chats leaves those out), and who is blocked. */
  const loadChats = useCallback(async () => {
    const [page, archived] = await Promise.all([client.listChats(), client.listChats({ archived: true }).catch(() => ({ chats: [] as Chat[] }))]);
    const chats = [...page.chats, ...archived.chats.filter((a) => !page.chats.some((c) => c.chatId === a.chatId))];
    dispatch({ type: "chats", chats });
    void client.blocked().then((users) => dispatch({ type: "blocked", userIds: users.map((u) => u.userId), blocked: true, replace: true }), () => undefined);
    await loadUsers(chats);
    for (const chat of chats) {
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

  /**
   * After a reconnect (the SDK's Realtime has already delivered every message missed in the chats it knows, through
   * `onMessage`): the lists reload (settings, timers, membership: the missed `chat` events), and every loaded chat's
   * newest page loads again for the receipts, edits, reactions and deletions missed meanwhile on the messages shown.
   */
  const catchUp = useCallback(async () => {
    sender.retryNow();
    await loadChats();
    for (const chatId of Object.keys(stateRef.current.messages)) {
      const newest = (await client.messages(chatId, { limit: PAGE })).messages;
      dispatch({ type: "messages", chatId, messages: newest });
      for (const deleted of newest.filter((m) => m.deleted)) {
        dispatch({ type: "deleted", chatId, seq: deleted.seq });
      }
    }
    const open = stateRef.current.openChatId;
    if (open) {
      markRead(open, lastSeq(stateRef.current.messages[open] ?? []));
    }
  }, [client, loadChats, markRead, sender]);

  const onMessage = useCallback((message: Message) => {
    dispatch({ type: "message", message, me });
    const chat = stateRef.current.chats.find((c) => c.chatId === message.chatId);
    if (!chat) {
      void loadChats();
    }
    if (message.senderId === me) {
      return;
    }
    const title = chat ? chatName(chat, me, stateRef.current.users) : "New message";
    const sender = chat?.type === "group" ? stateRef.current.users[message.senderId]?.displayName : undefined;
    notifyIfHidden(message, chat, sender ? `${sender} in ${title}` : title, me, () => void openChatRef.current?.(message.chatId));
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
        reaction: (event) => dispatch({ type: "reaction", event }),
        receipt: (receipt) => dispatch({ type: "receipt", receipt }),
        typing: (e) => e.userId !== me && dispatch({ type: "typing", chatId: e.chatId, userId: e.userId, until: Date.now() + 5000 }),
        chat: (chat) => {
          if (!chat.members.some((m) => m.userId === me)) {
            dispatch({ type: "removeChat", chatId: chat.chatId }); // removed from the group (or left on another device)
            return;
          }
          dispatch({ type: "chat", chat });
          void loadUsers([chat]);
        },
        presence: (p) => dispatch({ type: "presence", presence: [p] }),
      },
      onReconnected: () => void catchUp().catch(() => undefined),
      onStateChange: (next) => {
        setConnection(next);
        if (next === "disconnected") {
          restartLater();
        }
      },
    });
    realtimeRef.current = realtime;
    const online = () => sender.retryNow();
    window.addEventListener("online", online);
    const start = () => realtime.start().then(
      () => {
        failures = 0;
        // Anything sent between the list load (or the close) and the connection: the SDK's catch-up of the chats it
        // knows first (a restart is not a SignalR reconnect, which runs it by itself), then the page's reloads.
        void realtime.sync.catchUp().then(() => catchUp()).catch(() => undefined);
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
      window.removeEventListener("online", online);
      clearTimeout(restart);
      void realtime.stop();
    };
  }, [client, me, onMessage, catchUp, loadChats, loadUsers, sender]);

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
    const page = await client.messages(chatId, { limit: PAGE });
    const known = stateRef.current.hasOlder[chatId];
    dispatch({ type: "older", chatId, messages: page.messages, hasMore: known === undefined ? page.hasMore : known });
    realtimeRef.current?.sync.note(chatId, lastSeq(page.messages)); // from here a reconnect catches this chat up
    markRead(chatId, lastSeq(page.messages));
  }, [client, loadUsersById, markRead]);
  openChatRef.current = openChat;

  const openNew = useCallback(async (chat: Chat) => {
    void loadUsers([chat]);
    await openChat(chat.chatId);
  }, [loadUsers, openChat]);

  const createGroup = useCallback(async (name: string, phoneNumbers: string[]) => {
    await openNew(await actions.createGroup(name, phoneNumbers));
  }, [actions, openNew]);

  const joinGroup = useCallback(async (code: string) => {
    const chat = await actions.joinGroup(code);
    if (inviteCodeInAddress()) {
      history.replaceState(null, "", "/");
    }
    await openNew(chat);
  }, [actions, openNew]);

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


  const onPresence = useCallback((presence: Presence[]) => dispatch({ type: "presence", presence }), []);

  const signOut = useCallback(async () => {
    await client.logout().catch(() => undefined);
    onSignedOut();
  }, [client, onSignedOut]);

  const openChatValue = state.chats.find((c) => c.chatId === state.openChatId);
  return (
    <div className={`messenger ${openChatValue ? "has-open-chat" : ""}`}>
      <ChatList state={state} me={me} connection={connection} inviteCode={inviteCode} onOpen={openChat} onStartChat={startChat}
        onCreateGroup={createGroup} onJoinGroup={joinGroup} onSettings={actions.settings}
        onPrivacy={() => setPrivacyOpen(true)} onSignOut={signOut} />
      {privacyOpen && (
        <PrivacyDialog client={client} onClose={() => setPrivacyOpen(false)} onUnblocked={(userId) => dispatch({ type: "blocked", userIds: [userId], blocked: false })} />
      )}
      {openChatValue ? (
        <ChatView
          key={openChatValue.chatId}
          chat={openChatValue}
          state={state}
          me={me}
          client={client}
          actions={actions}
          onSend={(text, file, replyToSeq) => sender.send(openChatValue.chatId, text, file, replyToSeq)}
          onRetry={sender.retry}
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
