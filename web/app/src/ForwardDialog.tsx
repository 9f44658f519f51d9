import { useState, type FormEvent } from "react";
import type { Chat, ShownMessage } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { Dialog } from "./Dialog";

const MAX_TARGETS = 5;

interface Props {
  message: ShownMessage;
  chats: Chat[];
  nameOf: (chat: Chat) => string;
  onForward: (message: ShownMessage, chatIds: string[]) => Promise<unknown>;
  onClose: () => void;
}

/** Picks 1..5 chats to forward a message to. */
export function ForwardDialog({ message, chats, nameOf, onForward, onClose }: Props) {
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const toggle = (chatId: string) => setPicked((p) => (p.includes(chatId) ? p.filter((id) => id !== chatId) : [...p, chatId]));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onForward(message, picked);
      onClose();
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  };

  return (
    <Dialog label="Forward message" onClose={onClose}>
      <form onSubmit={submit} className="forward-form">
        <p className="forward-preview">{message.text ?? message.media?.fileName ?? message.type}</p>
        <fieldset>
          <legend>Forward to (up to {MAX_TARGETS})</legend>
          {chats.map((chat) => (
            <label key={chat.chatId} className="check">
              <input type="checkbox" checked={picked.includes(chat.chatId)} onChange={() => toggle(chat.chatId)}
                disabled={!picked.includes(chat.chatId) && picked.length >= MAX_TARGETS} />
              {nameOf(chat)}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy || picked.length === 0}>Send forward</button>
        {error && <p role="alert" className="error">{error}</p>}
      </form>
    </Dialog>
  );
}
