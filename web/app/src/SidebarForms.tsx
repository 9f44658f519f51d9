import { useState, type FormEvent, type ReactNode } from "react";
import { describe } from "./AuthScreen";

/** A small form that runs one async action and shows its error. */
function ActionForm({ label, className, onSubmit, children }: { label: string; className?: string; onSubmit: () => Promise<void>; children: (busy: boolean) => ReactNode }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={className ?? "sidebar-form"} onSubmit={submit} aria-label={label}>
      {children(busy)}
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

export function NewChatForm({ onStart }: { onStart: (phoneNumber: string) => Promise<void> }) {
  const [phone, setPhone] = useState("");
  return (
    <ActionForm label="New chat" className="new-chat sidebar-form" onSubmit={() => onStart(phone.trim())}>
      {(busy) => (
        <>
          <label>
            Phone number
            <input type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} required placeholder="+14155550101" autoFocus />
          </label>
          <button type="submit" disabled={busy}>Start chat</button>
        </>
      )}
    </ActionForm>
  );
}

/** Phone numbers typed one per line or separated by commas or spaces. */
export function phoneNumbersIn(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((p) => p.trim()).filter(Boolean))];
}

export function NewGroupForm({ onCreate }: { onCreate: (name: string, phoneNumbers: string[]) => Promise<void> }) {
  const [name, setName] = useState("");
  const [phones, setPhones] = useState("");
  return (
    <ActionForm label="New group" onSubmit={() => onCreate(name.trim(), phoneNumbersIn(phones))}>
      {(busy) => (
        <>
          <label>
            Group name
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />
          </label>
          <label>
            Member phone numbers
            <textarea value={phones} onChange={(e) => setPhones(e.target.value)} rows={2} placeholder="+14155550102, +14155550103" />
          </label>
          <button type="submit" disabled={busy}>Create group</button>
        </>
      )}
    </ActionForm>
  );
}

/** The code of an invite link (`…/join/{code}`), or the text itself when it is a bare code. */
export function inviteCodeIn(text: string): string {
  const match = text.trim().match(/\/join\/([^/?#\s]+)/);
  return decodeURIComponent(match?.[1] ?? text.trim());
}

export function JoinGroupForm({ initialCode, onJoin }: { initialCode?: string; onJoin: (inviteCode: string) => Promise<void> }) {
  const [link, setLink] = useState(initialCode ?? "");
  return (
    <ActionForm label="Join group" onSubmit={() => onJoin(inviteCodeIn(link))}>
      {(busy) => (
        <>
          <label>
            Invite link or code
            <input value={link} onChange={(e) => setLink(e.target.value)} required autoFocus />
          </label>
          <button type="submit" disabled={busy}>Join</button>
        </>
      )}
    </ActionForm>
  );
}
