import type { ChatClient, MessageStatus, ShownMessage } from "@chat/sdk";
import { reactionCounts } from "@chat/sdk";
import { MediaFile, MediaImage } from "./MediaImage";
import { MessageActions, type MessageHandlers } from "./MessageActions";
import type { Upload } from "./state";
import { clockTime } from "./timeLabels";

const STATUS_LABEL = { sent: "Sent", delivered: "Delivered", read: "Read" } as const;
const STATUS_MARK = { sent: "✓", delivered: "✓✓", read: "✓✓" } as const;

interface Props {
  message: ShownMessage;
  me: string;
  status: MessageStatus;
  client: ChatClient;
  /** The sender's name, shown on others' messages in a group. */
  sender?: string;
  nameOf: (userId: string) => string;
  admin: boolean;
  blocked: boolean;
  highlighted: boolean;
  /** The upload of a pending media message. */
  upload?: Upload;
  handlers: MessageHandlers;
  onQuoteClick: (seq: number) => void;
}

export function MessageItem({ message, me, status, client, sender, nameOf, admin, blocked, highlighted, upload, handlers, onQuoteClick }: Props) {
  const mine = message.senderId === me;
  return (
    <article className={`message ${mine ? "mine" : "theirs"}${highlighted ? " highlight" : ""}`} data-seq={message.seq} tabIndex={highlighted ? -1 : undefined}>
      {sender && <p className="sender">{sender}</p>}
      {message.forwarded && !message.deleted && <p className="forwarded">↪ Forwarded</p>}
      {message.replyTo && !message.deleted && <QuotedPreview message={message} nameOf={nameOf} onClick={onQuoteClick} />}
      {message.deleted ? <p className="deleted">This message was deleted</p> : <MessageBody message={message} client={client} upload={upload} />}
      <Reactions message={message} me={me} disabled={blocked} onReact={(emoji) => handlers.onReact(message, emoji)} />
      <div className="meta">
        <time dateTime={message.sentAt}>{clockTime(message.sentAt)}</time>
        {message.editedAt && !message.deleted && <span className="edited"> · edited</span>}
        {mine && message.failed && (
          <>
            <span className="failed" role="status" aria-label="Not sent"> Not sent</span>
            <button type="button" className="link" onClick={() => handlers.onRetry(message)}>Retry sending</button>
          </>
        )}
        {mine && !message.failed && (
          <span className={`status ${status}`} role="status" aria-label={message.pending ? "Sending" : STATUS_LABEL[status]}>
            {message.pending ? "🕓" : STATUS_MARK[status]}
          </span>
        )}
        <MessageActions message={message} mine={mine} admin={admin} blocked={blocked} handlers={handlers} />
      </div>
    </article>
  );
}

function QuotedPreview({ message, nameOf, onClick }: { message: ShownMessage; nameOf: (id: string) => string; onClick: (seq: number) => void }) {
  const quote = message.replyTo!;
  const text = quote.deleted ? "This message was deleted" : quote.text ?? (quote.type === "text" ? "Message unavailable" : quote.type === "image" ? "📷 Photo" : `📄 ${quote.type}`);
  return (
    <button type="button" className="quote" onClick={() => onClick(quote.seq)} aria-label={`Reply to ${nameOf(quote.senderId)}: ${text}`}>
      <span className="quote-sender">{nameOf(quote.senderId)}</span>
      <span className="quote-text">{text}</span>
    </button>
  );
}

function Reactions({ message, me, disabled, onReact }: { message: ShownMessage; me: string; disabled: boolean; onReact: (emoji: string) => void }) {
  const counts = reactionCounts(message, me);
  if (counts.length === 0 || message.deleted) {
    return null;
  }
  return (
    <ul className="reactions" aria-label="Reactions">
      {counts.map(({ emoji, count, mine }) => (
        <li key={emoji}>
          <button type="button" className={mine ? "reaction mine" : "reaction"} aria-pressed={mine} disabled={disabled} onClick={() => onReact(emoji)}
            aria-label={`${emoji} ${count}${mine ? ", yours" : ""}`} title={mine ? "Remove your reaction" : `React with ${emoji}`}>
            {emoji} {count}
          </button>
        </li>
      ))}
    </ul>
  );
}

function MessageBody({ message, client, upload }: { message: ShownMessage; client: ChatClient; upload?: Upload }) {
  if (message.media) {
    return (
      <>
        {message.type === "image" ? <MediaImage client={client} media={message.media} /> : <MediaFile client={client} media={message.media} />}
        {message.text && <p className="text">{message.text}</p>}
      </>
    );
  }
  if (message.pending && message.type !== "text" && message.failed) {
    return <p className="text">The file was not sent.</p>;
  }
  if (message.pending && message.type !== "text") {
    const percent = Math.round((upload?.progress ?? 0) * 100);
    const name = upload?.fileName ?? "file";
    return (
      <div className="uploading">
        <p className="text">Uploading {name}… {percent}%</p>
        <progress max={100} value={percent} aria-label={`Uploading ${name}`} />
      </div>
    );
  }
  return <p className="text">{message.text}</p>;
}
