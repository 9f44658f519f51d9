import type { ShownMessage } from "@chat/sdk";
import { Menu, type MenuEntry } from "./Menu";

export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];
const EDIT_WINDOW_MS = 15 * 60_000;

export interface MessageHandlers {
  onReply: (message: ShownMessage) => void;
  onEdit: (message: ShownMessage) => void;
  onDelete: (message: ShownMessage) => void;
  onForward: (message: ShownMessage) => void;
  onInfo: (message: ShownMessage) => void;
  onReact: (message: ShownMessage, emoji: string) => void;
  /** Sends a message that failed ("Not sent") again. */
  onRetry: (message: ShownMessage) => void;
}

interface Props {
  message: ShownMessage;
  mine: boolean;
  /** The signed-in user is an admin of the group (may delete anyone's message). */
  admin: boolean;
  blocked: boolean;
  handlers: MessageHandlers;
}

/** The per-message menus: "React" (a small emoji set) and "Message actions" (reply, edit, delete, forward, info). */
export function MessageActions({ message, mine, admin, blocked, handlers }: Props) {
  if (message.seq === undefined || message.deleted) {
    return null;
  }
  const editable = mine && message.type === "text" && Date.now() - Date.parse(message.sentAt) < EDIT_WINDOW_MS;
  const items: MenuEntry[] = [
    ...(blocked ? [] : [{ label: "Reply", onSelect: () => handlers.onReply(message) }]),
    ...(editable && !blocked ? [{ label: "Edit", onSelect: () => handlers.onEdit(message) }] : []),
    { label: "Forward", onSelect: () => handlers.onForward(message) },
    ...(mine ? [{ label: "Message info", onSelect: () => handlers.onInfo(message) }] : []),
    ...(mine || admin ? [{ label: "Delete for everyone", onSelect: () => handlers.onDelete(message) }] : []),
  ];
  const reactions: MenuEntry[] = REACTIONS.map((emoji) => ({ label: `React with ${emoji}`, content: emoji, onSelect: () => handlers.onReact(message, emoji) }));

  return (
    <span className="message-actions">
      {!blocked && <Menu label="React" icon="☺" items={reactions} className="reaction-menu" />}
      <Menu label="Message actions" icon="⌄" items={items} />
    </span>
  );
}
