import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { statusOf, type Chat, type ChatClient, type Presence, type ShownMessage } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { MediaFile, MediaImage } from "./MediaImage";
import { chatName, otherMember, type State } from "./state";

interface Props {
  chat: Chat;
  state: State;
  me: string;
  client: ChatClient;
  onSend: (text: string, file?: File) => Promise<void>;
  onTyping: () => void;
  onBack: () => void;
  onPresence: (presence: Presence[]) => void;
}

const TYPING_EVERY_MS = 3000;
const ONLINE_WINDOW_MS = 60_000;
const STATUS_LABEL = { sent: "Sent", delivered: "Delivered", read: "Read" } as const;
const STATUS_MARK = { sent: "✓", delivered: "✓✓", read: "✓✓" } as const;

export function ChatView({ chat, state, me, client, onSend, onTyping, onBack, onPresence }: Props) {
  const messages = state.messages[chat.chatId] ?? [];
  const others = chat.members.map((m) => m.userId).filter((id) => id !== me);
  const marks = state.marks[chat.chatId] ?? {};
  const name = chatName(chat, me, state.users);
  const logRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [messages.length]);

  return (
    <section className="chat" aria-label={`Chat with ${name}`}>
      <header className="chat-header">
        <button type="button" className="back" onClick={onBack} aria-label="Back to chats">←</button>
        <div>
          <h2>{name}</h2>
          <ChatSubtitle chat={chat} state={state} me={me} client={client} onPresence={onPresence} />
        </div>
      </header>
      <div className="messages" role="log" aria-label="Messages" ref={logRef} tabIndex={0}>
        {messages.map((m) => (
          <MessageItem key={`${m.senderId}/${m.clientMessageId}`} message={m} mine={m.senderId === me} status={statusOf(m, others, marks)} client={client}
            sender={chat.type === "group" && m.senderId !== me ? state.users[m.senderId]?.displayName : undefined} />
        ))}
      </div>
      <Composer onSend={onSend} onTyping={onTyping} />
    </section>
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

function MessageItem({ message, mine, status, client, sender }: { message: ShownMessage; mine: boolean; status: "sent" | "delivered" | "read"; client: ChatClient; sender?: string }) {
  const time = new Date(message.sentAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <article className={`message ${mine ? "mine" : "theirs"}`} data-seq={message.seq}>
      {sender && <p className="sender">{sender}</p>}
      {message.deleted ? <p className="deleted">This message was deleted</p> : <MessageBody message={message} client={client} />}
      <p className="meta">
        <time dateTime={message.sentAt}>{time}</time>
        {message.editedAt && <span> · edited</span>}
        {mine && message.failed && <span className="failed" role="status"> Not sent</span>}
        {mine && !message.failed && (
          <span className={`status ${status}`} role="status" aria-label={message.pending ? "Sending" : STATUS_LABEL[status]}>
            {message.pending ? "🕓" : STATUS_MARK[status]}
          </span>
        )}
      </p>
    </article>
  );
}

function MessageBody({ message, client }: { message: ShownMessage; client: ChatClient }) {
  if (message.media) {
    return (
      <>
        {message.type === "image" ? <MediaImage client={client} media={message.media} /> : <MediaFile client={client} media={message.media} />}
        {message.text && <p className="text">{message.text}</p>}
      </>
    );
  }
  if (message.pending && message.type !== "text") {
    return <p className="text">Uploading…</p>;
  }
  return <p className="text">{message.text}</p>;
}

function Composer({ onSend, onTyping }: { onSend: (text: string, file?: File) => Promise<void>; onTyping: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const lastTyping = useRef(0);
  const fileRef = useRef<HTMLInputElement>(null);

  const deliver = (value: string, file?: File) => {
    setError(undefined);
    onSend(value, file).catch((e: unknown) => setError(describe(e)));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = text.trim();
    if (value.length > 0) {
      setText("");
      deliver(value);
    }
  };

  const onChange = (value: string) => {
    setText(value);
    if (value.length > 0 && Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      onTyping();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) {
      submit(event);
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <button type="button" className="attach" onClick={() => fileRef.current?.click()} aria-label="Attach" title="Attach">📎</button>
      <input ref={fileRef} type="file" aria-label="Attach file" className="sr-only" tabIndex={-1}
        onChange={(e) => { const file = e.target.files?.[0]; e.target.value = ""; if (file) { deliver("", file); } }} />
      <label className="sr-only" htmlFor="composer-text">Message</label>
      <textarea id="composer-text" rows={1} value={text} onChange={(e) => onChange(e.target.value)} onKeyDown={onKeyDown} placeholder="Type a message" maxLength={4096} />
      <button type="submit" className="send">Send</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
