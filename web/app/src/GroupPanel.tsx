import { useState, type FormEvent } from "react";
import type { Chat } from "@chat/sdk";
import { describe } from "./AuthScreen";
import type { ChatActions } from "./chatActions";
import { phoneNumbersIn } from "./SidebarForms";
import { isAdmin } from "./state";

interface Props {
  chat: Chat;
  me: string;
  actions: ChatActions;
  nameOf: (userId: string) => string;
  onClose: () => void;
}

/** Group info: members and roles; for admins, adding and removing members, making admins, the invite link; leaving. */
export function GroupPanel({ chat, me, actions, nameOf, onClose }: Props) {
  const admin = isAdmin(chat, me);
  const [error, setError] = useState<string>();
  const run = (action: () => Promise<unknown>) => {
    setError(undefined);
    action().catch((e: unknown) => setError(describe(e)));
  };
  const members = [...chat.members].sort((a, b) => (a.role === b.role ? 0 : a.role === "admin" ? -1 : 1));

  return (
    <aside className="side-panel" aria-label="Group info" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <header className="panel-header">
        <h2>{chat.name ?? "Group"}</h2>
        <button type="button" className="link" onClick={onClose}>Close group info</button>
      </header>
      {chat.description && <p>{chat.description}</p>}
      {admin && <RenameForm chat={chat} onSave={(change) => actions.updateGroup(chat.chatId, change)} />}
      <h3>{chat.members.length} members</h3>
      <ul className="members" aria-label="Members">
        {members.map((m) => {
          const name = m.userId === me ? "You" : nameOf(m.userId);
          return (
            <li key={m.userId}>
              <span className="member-name">{name}</span>
              {m.role === "admin" && <span className="role">Admin</span>}
              {admin && m.userId !== me && (
                <span className="member-actions">
                  {m.role !== "admin" && <button type="button" className="link" onClick={() => run(() => actions.makeAdmin(chat.chatId, m.userId))}>Make {name} admin</button>}
                  <button type="button" className="link" onClick={() => run(() => actions.removeMember(chat.chatId, m.userId))}>Remove {name}</button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {admin && <AddMembersForm onAdd={(phones) => actions.addMembers(chat.chatId, phones)} />}
      {admin && <InviteLink onCreate={() => actions.createInvite(chat.chatId)} />}
      {error && <p role="alert" className="error">{error}</p>}
      <button type="button" className="danger" onClick={() => run(() => actions.leave(chat.chatId))}>Leave group</button>
    </aside>
  );
}

/** Name and description (admins); names that no other control on the screen has ("Group name" is the new-group form's). */
function RenameForm({ chat, onSave }: { chat: Chat; onSave: (change: { name: string; description: string }) => Promise<void> }) {
  const [name, setName] = useState(chat.name ?? "");
  const [description, setDescription] = useState(chat.description ?? "");
  const [state, setState] = useState<"idle" | "saved" | string>("idle");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await onSave({ name: name.trim(), description: description.trim() });
      setState("saved");
    } catch (e) {
      setState(describe(e));
    }
  };
  return (
    <form onSubmit={submit} className="panel-form" aria-label="Rename group">
      <label>
        Rename group
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label>
        Description
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={500} />
      </label>
      <button type="submit">Save group details</button>
      {state === "saved" && <p role="status">Saved</p>}
      {state !== "idle" && state !== "saved" && <p role="alert" className="error">{state}</p>}
    </form>
  );
}

function AddMembersForm({ onAdd }: { onAdd: (phoneNumbers: string[]) => Promise<void> }) {
  const [phones, setPhones] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await onAdd(phoneNumbersIn(phones));
      setPhones("");
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <form onSubmit={submit} className="panel-form" aria-label="Add members">
      <label>
        Numbers of new members
        <input value={phones} onChange={(e) => setPhones(e.target.value)} required placeholder="+14155550103" />
      </label>
      <button type="submit">Add members</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

/** The invite link: made on demand (a new one revokes the old), shown, and copied to the clipboard. */
function InviteLink({ onCreate }: { onCreate: () => Promise<string> }) {
  const [link, setLink] = useState<string>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();

  const create = async () => {
    setError(undefined);
    setCopied(false);
    try {
      setLink(`${location.origin}/join/${encodeURIComponent(await onCreate())}`);
    } catch (e) {
      setError(describe(e));
    }
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link!);
      setCopied(true);
    } catch {
      setError("Copying failed: select the link and copy it.");
    }
  };

  return (
    <section className="invite" aria-label="Invite link">
      {link && <input readOnly value={link} aria-label="Invite link" onFocus={(e) => e.target.select()} />}
      <button type="button" onClick={() => void create()}>{link ? "Reset invite link" : "Create invite link"}</button>
      {link && <button type="button" onClick={() => void copy()}>Copy invite link</button>}
      {link && <p className="note">Resetting makes a new link; the old one stops working.</p>}
      {copied && <p role="status">Copied</p>}
      {error && <p role="alert" className="error">{error}</p>}
    </section>
  );
}
