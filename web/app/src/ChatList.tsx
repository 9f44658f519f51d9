import { useState, type FormEvent } from "react";
import type { Chat } from "@chat/sdk";
import { describe } from "./AuthScreen";
import type { Connection } from "./Messenger";
import { chatName, type State } from "./state";

interface Props {
  state: State;
  me: string;
  connection: Connection;
  onOpen: (chatId: string) => void;
  onStartChat: (phoneNumber: string) => Promise<void>;
  onSignOut: () => void;
}

export function ChatList({ state, me, connection, onOpen, onStartChat, onSignOut }: Props) {
  const [starting, setStarting] = useState(false);

  return (
    <nav className="sidebar" aria-label="Chat list">
      <header className="sidebar-header">
        <h1>Chats</h1>
        <button type="button" onClick={() => setStarting((s) => !s)} aria-expanded={starting}>New chat</button>
        <button type="button" className="link" onClick={onSignOut}>Sign out</button>
      </header>
      {connection !== "connected" && <p className="connection" role="status">{connection === "connecting" ? "Connecting…" : connection === "reconnecting" ? "Reconnecting…" : "Offline: retrying"}</p>}
      {starting && <NewChatForm onStart={async (phone) => { await onStartChat(phone); setStarting(false); }} />}
      <ul className="chat-list" aria-label="Chats">
        {state.chats.map((chat) => (
          <ChatItem key={chat.chatId} chat={chat} name={chatName(chat, me, state.users)} me={me} active={chat.chatId === state.openChatId} onOpen={onOpen} />
        ))}
      </ul>
      {state.chats.length === 0 && <p className="empty">No chats yet.</p>}
    </nav>
  );
}

function ChatItem({ chat, name, me, active, onOpen }: { chat: Chat; name: string; me: string; active: boolean; onOpen: (id: string) => void }) {
  const unread = chat.unreadCount ?? 0;
  const last = chat.lastMessage;
  const preview = !last ? "" : last.deleted ? "Message deleted" : last.text ?? (last.type === "image" ? "Photo" : last.media?.fileName ?? last.type);
  return (
    <li className={active ? "active" : undefined} onClick={() => onOpen(chat.chatId)}>
      <button type="button" className="chat-item" aria-current={active ? "true" : undefined} onClick={(e) => { e.stopPropagation(); onOpen(chat.chatId); }}>
        <span className="chat-name">{name}</span>
        <span className="chat-preview">{last && last.senderId === me ? "You: " : ""}{preview}</span>
        {unread > 0 && (
          <span className="badge" role="img" aria-label={`${unread} unread`}>
            {unread}<span className="sr-only"> unread</span>
          </span>
        )}
      </button>
    </li>
  );
}

function NewChatForm({ onStart }: { onStart: (phoneNumber: string) => Promise<void> }) {
  const [phone, setPhone] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onStart(phone.trim());
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-chat" onSubmit={submit} aria-label="New chat">
      <label>
        Phone number
        <input type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} required placeholder="+14155550101" autoFocus />
      </label>
      <button type="submit" disabled={busy}>Start chat</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
