import { Fragment, useEffect, useLayoutEffect, useRef, useState } from "react";
import { statusOf, type ChatClient, type ReceiptMarks, type ShownMessage } from "@chat/sdk";
import type { MessageHandlers } from "./MessageActions";
import { MessageItem } from "./MessageItem";
import type { Upload } from "./state";
import { dayKey, dayLabel } from "./timeLabels";

/** Scrolled this close to the top, the next older page loads. */
const NEAR_TOP_PX = 80;

interface Props {
  messages: ShownMessage[];
  me: string;
  others: string[];
  marks: ReceiptMarks;
  client: ChatClient;
  group: boolean;
  admin: boolean;
  blocked: boolean;
  hasOlder: boolean;
  uploads: Record<string, Upload>;
  highlightSeq?: number;
  nameOf: (userId: string) => string;
  handlers: MessageHandlers;
  onLoadOlder: () => Promise<void>;
  onJump: (seq: number) => void;
}

const keyOf = (m: ShownMessage) => `${m.senderId}/${m.clientMessageId}`;

/**
 * The log: day separators, messages, and older pages loaded when scrolled to the top (or with the button),
 * keeping what was on screen in place; a new message at the bottom scrolls into view.
 */
export function MessageList(props: Props) {
  const { messages, me, others, marks, hasOlder, highlightSeq, nameOf, onLoadOlder } = props;
  const logRef = useRef<HTMLDivElement>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(false);
  const before = useRef<{ first?: string; last?: string; height: number; top: number }>({ height: 0, top: 0 });

  useLayoutEffect(() => {
    const log = logRef.current;
    if (!log) {
      return;
    }
    const first = messages[0] && keyOf(messages[0]);
    const last = messages.at(-1) && keyOf(messages.at(-1)!);
    const was = before.current;
    if (last !== was.last) {
      log.scrollTop = log.scrollHeight; // a new message (or the first page): to the bottom
    } else if (first !== was.first) {
      log.scrollTop = was.top + (log.scrollHeight - was.height); // an older page above: keep the view still
    }
    before.current = { first, last, height: log.scrollHeight, top: log.scrollTop };
  }, [messages]);

  // A jump (search result, quote): scrolled to and focused once, as soon as it is rendered; later renders leave focus alone.
  const shownSeq = useRef<number>(undefined);
  useEffect(() => {
    if (highlightSeq === undefined || shownSeq.current === highlightSeq) {
      shownSeq.current = highlightSeq;
      return;
    }
    const element = logRef.current?.querySelector<HTMLElement>(`[data-seq="${highlightSeq}"]`);
    if (element) {
      shownSeq.current = highlightSeq;
      element.scrollIntoView?.({ block: "center" });
      element.focus();
    }
  }, [highlightSeq, messages]);

  const loadOlder = async () => {
    if (loading || !hasOlder) {
      return;
    }
    setLoading(true);
    setError(false);
    try {
      await onLoadOlder();
    } catch {
      setError(true);
    } finally {
      setLoading(false);
    }
  };

  const onScroll = () => {
    const log = logRef.current;
    if (log) {
      before.current = { ...before.current, height: log.scrollHeight, top: log.scrollTop };
      if (log.scrollTop < NEAR_TOP_PX) {
        void loadOlder();
      }
    }
  };

  return (
    <div className="messages" role="log" aria-label="Messages" ref={logRef} tabIndex={0} onScroll={onScroll} aria-busy={loading}>
      {hasOlder && (
        <button type="button" className="link load-older" onClick={() => void loadOlder()} disabled={loading}>
          {loading ? "Loading older messages…" : "Load older messages"}
        </button>
      )}
      {error && <p className="error">Older messages could not be loaded.</p>}
      {messages.map((m, i) => {
        const previous = messages[i - 1];
        const newDay = !previous || dayKey(previous.sentAt) !== dayKey(m.sentAt);
        const label = dayLabel(m.sentAt);
        return (
          <Fragment key={keyOf(m)}>
            {newDay && <p className="day-separator" role="separator" aria-label={label}><span>{label}</span></p>}
            <MessageItem message={m} me={me} status={statusOf(m, others, marks)} client={props.client} nameOf={nameOf}
              sender={props.group && m.senderId !== me ? nameOf(m.senderId) : undefined} admin={props.admin} blocked={props.blocked}
              highlighted={m.seq !== undefined && m.seq === highlightSeq} upload={props.uploads[m.clientMessageId]}
              handlers={props.handlers} onQuoteClick={props.onJump} />
          </Fragment>
        );
      })}
    </div>
  );
}
