import type { Chat } from "@chat/sdk";
import { Menu, type MenuEntry } from "./Menu";
import { isMuted } from "./state";
import { listTime } from "./timeLabels";
import type { ChatSettingsChange } from "@chat/sdk";

const HOUR_MS = 3_600_000;

interface Props {
  chat: Chat;
  name: string;
  me: string;
  active: boolean;
  onOpen: (chatId: string) => void;
  onSettings: (chatId: string, change: ChatSettingsChange) => void;
}

/** A chat in the list: name, pin and mute marks, the last message and its time, the unread badge, and its actions. */
export function ChatItem({ chat, name, me, active, onOpen, onSettings }: Props) {
  const unread = chat.unreadCount ?? 0;
  const last = chat.lastMessage;
  const muted = isMuted(chat);
  const pinned = chat.settings?.pinned ?? false;
  const archived = chat.settings?.archived ?? false;
  const change = (c: ChatSettingsChange) => () => onSettings(chat.chatId, c);
  const muteFor = (ms: number) => change({ mutedUntil: new Date(Date.now() + ms).toISOString() });
  const items: MenuEntry[] = [
    { label: pinned ? "Unpin" : "Pin", onSelect: change({ pinned: !pinned }) },
    { label: archived ? "Unarchive" : "Archive", onSelect: change({ archived: !archived }) },
    ...(muted
      ? [{ label: "Unmute", onSelect: change({ mutedUntil: null }) }]
      : [
        { label: "Mute for 8 hours", onSelect: muteFor(8 * HOUR_MS) },
        { label: "Mute for 1 week", onSelect: muteFor(7 * 24 * HOUR_MS) },
        { label: "Mute always", onSelect: muteFor(100 * 365 * 24 * HOUR_MS) },
      ]),
  ];

  return (
    <li className={active ? "active" : undefined}>
      <button type="button" className="chat-item" aria-current={active ? "true" : undefined} onClick={() => onOpen(chat.chatId)}>
        <span className="chat-name">
          {name}
          {pinned && <span className="mark" role="img" aria-label="Pinned" title="Pinned">📌</span>}
          {muted && <span className="mark" role="img" aria-label="Muted" title="Muted">🔕</span>}
        </span>
        {last && <time className="chat-time" dateTime={last.sentAt}>{listTime(last.sentAt)}</time>}
        <span className="chat-preview">{last && last.senderId === me ? "You: " : ""}{previewOf(last)}</span>
        {unread > 0 && (
          <span className="badge" role="img" aria-label={`${unread} unread`}>
            {unread}<span className="sr-only"> unread</span>
          </span>
        )}
      </button>
      {/* Not "… for {name}": a button whose name holds the chat's name would be a second match for a query by that name. */}
      <Menu label="Chat actions" icon="⋮" items={items} className="chat-actions" />
    </li>
  );
}

export function previewOf(message: Chat["lastMessage"]): string {
  if (!message) {
    return "";
  }
  if (message.deleted) {
    return "This message was deleted";
  }
  const kind = message.type === "image" ? "📷 Photo" : message.type === "video" ? "🎬 Video" : message.type === "audio" ? "🎤 Audio" : `📄 ${message.media?.fileName ?? "File"}`;
  return message.text ?? kind;
}
