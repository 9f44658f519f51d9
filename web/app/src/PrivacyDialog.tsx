import { useEffect, useState } from "react";
import type { ChatClient, Session, User } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { Dialog } from "./Dialog";

const at = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

interface Props {
  client: ChatClient;
  onUnblocked: (userId: string) => void;
  onClose: () => void;
}

/** The signed-in devices (ending any other one) and the blocked contacts (unblocking them). */
export function PrivacyDialog({ client, onUnblocked, onClose }: Props) {
  const [sessions, setSessions] = useState<Session[]>();
  const [blocked, setBlocked] = useState<User[]>();
  const [error, setError] = useState<string>();
  const run = (action: () => Promise<unknown>) => {
    setError(undefined);
    action().catch((e: unknown) => setError(describe(e)));
  };

  useEffect(() => {
    run(async () => setSessions(await client.sessions()));
    run(async () => setBlocked(await client.blocked()));
  }, [client]);

  const endSession = (sessionId: string) => run(async () => {
    await client.endSession(sessionId);
    setSessions((list) => list?.filter((s) => s.sessionId !== sessionId));
  });
  const unblock = (userId: string) => run(async () => {
    await client.unblock(userId);
    setBlocked((list) => list?.filter((u) => u.userId !== userId));
    onUnblocked(userId);
  });

  return (
    <Dialog label="Privacy and devices" onClose={onClose}>
      <h3>Signed-in devices</h3>
      {!sessions ? <p>Loading…</p> : (
        <ul className="receipts" aria-label="Signed-in devices">
          {sessions.map((s) => (
            <li key={s.sessionId}>
              <strong>{s.deviceName || "Unnamed device"}</strong>{s.current ? " (this device)" : ""} · last used {at(s.lastUsedAt)}
              {!s.current && <> <button type="button" className="link" onClick={() => endSession(s.sessionId)}>End session on {s.deviceName || "this device"}</button></>}
            </li>
          ))}
        </ul>
      )}
      <h3>Blocked contacts</h3>
      {!blocked ? <p>Loading…</p> : (
        <ul className="receipts" aria-label="Blocked contacts">
          {blocked.map((u) => (
            <li key={u.userId}>
              <strong>{u.displayName}</strong> <button type="button" className="link" onClick={() => unblock(u.userId)}>Unblock {u.displayName}</button>
            </li>
          ))}
          {blocked.length === 0 && <li>No one.</li>}
        </ul>
      )}
      {error && <p role="alert" className="error">{error}</p>}
    </Dialog>
  );
}
