import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { ChatClient, Message } from "@chat/sdk";
import { describe } from "./AuthScreen";
import { dayLabel, clockTime } from "./timeLabels";

interface Props {
  chatId: string;
  client: ChatClient;
  nameOf: (userId: string) => string;
  onJump: (seq: number) => void;
  onClose: () => void;
}

/** Search in one chat (2..100 characters), newest first, with "More results" for older matches. */
export function SearchPanel({ chatId, client, nameOf, onJump, onClose }: Props) {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Message[]>();
  /** Where the next page of older matches starts, while there may be more. */
  const [nextBeforeSeq, setNextBeforeSeq] = useState<number>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (beforeSeq?: number) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await client.search(chatId, query.trim(), { beforeSeq });
      setResults((r) => (beforeSeq === undefined ? page.messages : [...(r ?? []), ...page.messages]));
      setNextBeforeSeq(page.hasMore ? page.nextBeforeSeq ?? page.messages.at(-1)?.seq ?? beforeSeq : undefined);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (query.trim().length >= 2) {
      void run();
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
    }
  };

  return (
    <section className="search-panel" aria-label="Search in chat" onKeyDown={onKeyDown}>
      <form role="search" onSubmit={submit} className="search-form">
        <label className="sr-only" htmlFor="chat-search">Search in chat</label>
        <input id="chat-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} minLength={2} maxLength={100} placeholder="Search in chat" autoFocus />
        <button type="submit" disabled={busy}>Search</button>
        <button type="button" className="link" onClick={onClose}>Close search</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {results && (
        <ul className="search-results" aria-label="Search results">
          {results.map((m) => (
            <li key={m.seq}>
              <button type="button" onClick={() => onJump(m.seq)}>
                <span className="result-meta">{nameOf(m.senderId)} · <time dateTime={m.sentAt}>{dayLabel(m.sentAt)} {clockTime(m.sentAt)}</time></span>
                <span className="result-text">{m.text}</span>
              </button>
            </li>
          ))}
          {results.length === 0 && <li className="empty">{nextBeforeSeq !== undefined ? "None in the newest messages." : "No messages found."}</li>}
        </ul>
      )}
      {nextBeforeSeq !== undefined && results && <button type="button" className="link" disabled={busy} onClick={() => void run(nextBeforeSeq)}>More results</button>}
    </section>
  );
}
