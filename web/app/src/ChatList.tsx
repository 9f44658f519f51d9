import { useState } from "react";
import type { ChatSettingsChange } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { ChatItem } from "./ChatItem";
import type { Connection } from "./Messenger";
import { NotificationButton } from "./notifications";
import { JoinGroupForm, NewChatForm, NewGroupForm } from "./SidebarForms";
import { chatName, type State } from "./state";

type Form = "chat" | "group" | "join" | undefined;

interface Props {
  state: State;
  me: string;
  connection: Connection;
  /** An invite code from a `/join/{code}` address: the join form opens with it. */
  inviteCode?: string;
  onOpen: (chatId: string) => void;
  onStartChat: (phoneNumber: string) => Promise<void>;
  onCreateGroup: (name: string, phoneNumbers: string[]) => Promise<void>;
  onJoinGroup: (inviteCode: string) => Promise<void>;
  onSettings: (chatId: string, change: ChatSettingsChange) => Promise<void>;
  onPrivacy: () => void;
  onSignOut: () => void;
}

export function ChatList({ state, me, connection, inviteCode, onOpen, onStartChat, onCreateGroup, onJoinGroup, onSettings, onPrivacy, onSignOut }: Props) {
  const [form, setForm] = useState<Form>(inviteCode ? "join" : undefined);
  const [showArchived, setShowArchived] = useState(false);
  const [error, setError] = useState<string>();
  const toggle = (f: Form) => setForm((current) => (current === f ? undefined : f));
  const done = <A extends unknown[]>(action: (...args: A) => Promise<void>) => async (...args: A) => {
    await action(...args);
    setForm(undefined);
  };
  const settings = (chatId: string, change: ChatSettingsChange) => {
    setError(undefined);
    onSettings(chatId, change).catch((e: unknown) => setError(describe(e)));
  };

  const archived = state.chats.filter((c) => c.settings?.archived);
  const listed = state.chats.filter((c) => !c.settings?.archived);
  const item = (chat: (typeof listed)[number]) => (
    <ChatItem key={chat.chatId} chat={chat} name={chatName(chat, me, state.users)} me={me} active={chat.chatId === state.openChatId} onOpen={onOpen} onSettings={settings} />
  );

  return (
    <nav className="sidebar" aria-label="Chat list">
      <header className="sidebar-header">
        <h1>Chats</h1>
        <button type="button" onClick={() => toggle("chat")} aria-expanded={form === "chat"}>New chat</button>
        <button type="button" onClick={() => toggle("group")} aria-expanded={form === "group"}>New group</button>
        <button type="button" onClick={() => toggle("join")} aria-expanded={form === "join"}>Join group</button>
      </header>
      <div className="sidebar-tools">
        <NotificationButton />
        <button type="button" className="link" onClick={onPrivacy}>Privacy and devices</button>
        <button type="button" className="link" onClick={onSignOut}>Sign out</button>
      </div>
      {connection !== "connected" && <p className="connection" role="status">{connection === "connecting" ? "Connecting…" : connection === "reconnecting" ? "Reconnecting…" : "Offline: retrying"}</p>}
      {form === "chat" && <NewChatForm onStart={done(onStartChat)} />}
      {form === "group" && <NewGroupForm onCreate={done(onCreateGroup)} />}
      {form === "join" && <JoinGroupForm initialCode={inviteCode} onJoin={done(onJoinGroup)} />}
      {error && <p role="alert" className="error sidebar-error">{error}</p>}
      <div className="chat-lists">
        <ul className="chat-list" aria-label="Chats">{listed.map(item)}</ul>
        {listed.length === 0 && <p className="empty">No chats yet.</p>}
        {archived.length > 0 && (
          <section className="archived" aria-label="Archived">
            <button type="button" className="archived-toggle" aria-expanded={showArchived} onClick={() => setShowArchived((s) => !s)}>
              Archived ({archived.length})
            </button>
            {showArchived && <ul className="chat-list" aria-label="Archived conversations">{archived.map(item)}</ul>}
          </section>
        )}
      </div>
    </nav>
  );
}
