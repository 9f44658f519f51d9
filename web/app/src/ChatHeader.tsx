import { useEffect, useState } from "react";
import { MESSAGE_TIMERS, type Chat, type ChatClient, type MessageTimer, type Presence } from "@chat/sdk";
import { describe } from "./AuthScreen";
import type { ChatActions } from "./chatActions";
import { isAdmin, otherMember, type State } from "./state";
import { TIMER_LABELS } from "./timeLabels";

const ONLINE_WINDOW_MS = 60_000;

interface Props {
  chat: Chat;
  name: string;
  state: State;
  me: string;
  client: ChatClient;
  actions: ChatActions;
  searching: boolean;
  panelOpen: boolean;
  onBack: () => void;
  onPresence: (presence: Presence[]) => void;
  onToggleSearch: () => void;
  onTogglePanel: () => void;
}

/** Name, presence or typing, the disappearing-messages timer, and the chat's tools (search, group info, block). */
export function ChatHeader({ chat, name, state, me, client, actions, searching, panelOpen, onBack, onPresence, onToggleSearch, onTogglePanel }: Props) {
  const [error, setError] = useState<string>();
  const other = chat.type === "direct" ? otherMember(chat, me) : undefined;
  const blocked = !!other && !!state.blocked[other];
  const timer = chat.messageTimer ?? 0;
  const canSetTimer = chat.type === "direct" || isAdmin(chat, me);
  const run = (action: Promise<void>) => {
    setError(undefined);
    action.catch((e: unknown) => setError(describe(e)));
  };

  return (
    <header className="chat-header">
      <button type="button" className="back" onClick={onBack} aria-label="Back to chats">←</button>
      <div className="chat-title">
        <h2>{name}</h2>
        <ChatSubtitle chat={chat} state={state} me={me} client={client} onPresence={onPresence} />
        {timer > 0 && <p className="subtitle timer">⏱ Disappearing messages: {TIMER_LABELS[timer] ?? `${timer} s`}</p>}
        {blocked && <p className="subtitle blocked">Blocked</p>}
      </div>
      <div className="chat-tools">
        <label className="timer-select" title="Disappearing messages">
          <span className="sr-only">Disappearing messages</span>
          <select value={timer} disabled={!canSetTimer} onChange={(e) => run(actions.setTimer(chat.chatId, Number(e.target.value) as MessageTimer))}>
            {MESSAGE_TIMERS.map((s) => <option key={s} value={s}>⏱ {TIMER_LABELS[s]}</option>)}
          </select>
        </label>
        <button type="button" className="icon" aria-label="Search messages" title="Search messages" aria-pressed={searching} onClick={onToggleSearch}>🔍</button>
        {chat.type === "group" && (
          <button type="button" className="icon" aria-label="Group info" title="Group info" aria-expanded={panelOpen} onClick={onTogglePanel}>ℹ️</button>
        )}
        {other && (
          <button type="button" className="link" onClick={() => run(actions.block(other, !blocked))}>{blocked ? "Unblock contact" : "Block contact"}</button>
        )}
      </div>
      {error && <p role="alert" className="error header-error">{error}</p>}
    </header>
  );
}

function ChatSubtitle({ chat, state, me, client, onPresence }: { chat: Chat; state: State; me: string; client: ChatClient; onPresence: (p: Presence[]) => void }) {
  const [now, setNow] = useState(Date.now());
  const other = chat.type === "direct" ? otherMember(chat, me) : undefined;
  const typingUntil = Object.entries(state.typing[chat.chatId] ?? {}).filter(([id, until]) => id !== me && until > now);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  // Presence events come only after 60 s of silence: poll the open contact as well.
  useEffect(() => {
    if (!other) {
      return;
    }
    const poll = () => void client.presence([other]).then(onPresence, () => undefined);
    poll();
    const timer = setInterval(poll, 15_000);
    return () => clearInterval(timer);
  }, [client, other, onPresence]);

  if (typingUntil.length > 0) {
    const who = chat.type === "group" ? `${typingUntil.map(([id]) => state.users[id]?.displayName ?? "Someone").join(", ")} ` : "";
    return <p className="subtitle typing" aria-live="polite">{who}typing…</p>;
  }
  if (chat.type === "group") {
    return <p className="subtitle">{chat.members.length} members</p>;
  }
  const presence = other ? state.presence[other] : undefined;
  return <p className="subtitle" aria-live="polite">{presenceText(presence?.online ?? false, presence?.lastSeen ?? undefined, now)}</p>;
}

export function presenceText(online: boolean, lastSeen: string | undefined, now: number): string {
  const seen = lastSeen ? Date.parse(lastSeen) : NaN;
  if (online && (Number.isNaN(seen) || now - seen <= ONLINE_WINDOW_MS)) {
    return "online";
  }
  if (Number.isNaN(seen)) {
    return "last seen a while ago";
  }
  const at = new Date(seen);
  const sameDay = new Date(now).toDateString() === at.toDateString();
  return `last seen ${sameDay ? "today" : at.toLocaleDateString()} at ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
}
