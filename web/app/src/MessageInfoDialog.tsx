import { useEffect, useState } from "react";
import type { ChatClient, MessageReceipt, ShownMessage } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { Dialog } from "./Dialog";

const at = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" });

/** Each counted member's delivered and read times for an own message (`GET .../messages/{seq}/receipts`). */
export function MessageInfoDialog({ message, client, nameOf, onClose }: { message: ShownMessage; client: ChatClient; nameOf: (id: string) => string; onClose: () => void }) {
  const [receipts, setReceipts] = useState<MessageReceipt[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    client.messageReceipts(message.chatId, message.seq!).then(setReceipts, (e: unknown) => setError(describe(e)));
  }, [client, message.chatId, message.seq]);

  return (
    <Dialog label="Message info" onClose={onClose}>
      <p className="forward-preview">{message.text ?? message.media?.fileName ?? message.type}</p>
      {!receipts && !error && <p>Loading…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {receipts && (
        <ul className="receipts" aria-label="Receipts">
          {receipts.map((r) => (
            <li key={r.userId}>
              <strong>{nameOf(r.userId)}</strong>{" "}
              {r.readAt ? `Read ${at(r.readAt)}` : r.deliveredAt ? `Delivered ${at(r.deliveredAt)}` : "Not delivered yet"}
            </li>
          ))}
          {receipts.length === 0 && <li>No one else was counted for this message.</li>}
        </ul>
      )}
    </Dialog>
  );
}
