import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { ShownMessage } from "@chat/sdk";
import { describe } from "./AuthScreen";

const TYPING_EVERY_MS = 3000;

interface Props {
  onSend: (text: string, file?: File, replyToSeq?: number) => Promise<void>;
  onTyping: () => void;
  /** The message being answered: a quote above the text box. */
  replyTo?: ShownMessage;
  /** The own message being edited: its text fills the box, Send saves it. */
  editing?: ShownMessage;
  onSaveEdit: (message: ShownMessage, text: string) => Promise<void>;
  /** Ends replying or editing (the ✕ button or Escape). */
  onCancel: () => void;
  nameOf: (userId: string) => string;
  /** Why nothing can be sent (a blocked contact); the composer is disabled with this note. */
  disabledNote?: string;
}

export function Composer({ onSend, onTyping, replyTo, editing, onSaveEdit, onCancel, nameOf, disabledNote }: Props) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const lastTyping = useRef(0);
  const fileRef = useRef<HTMLInputElement>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (editing) {
      setText(editing.text ?? "");
    }
    if (editing || replyTo) {
      textRef.current?.focus();
    }
  }, [editing, replyTo]);

  const deliver = (value: string, file?: File) => {
    setError(undefined);
    const replyToSeq = replyTo?.seq;
    onCancel();
    onSend(value, file, replyToSeq).catch((e: unknown) => setError(describe(e)));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = text.trim();
    if (value.length === 0) {
      return;
    }
    setText("");
    if (editing) {
      setError(undefined);
      onCancel();
      onSaveEdit(editing, value).catch((e: unknown) => setError(describe(e)));
    } else {
      deliver(value);
    }
  };

  const onChange = (value: string) => {
    setText(value);
    if (!editing && value.length > 0 && Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      onTyping();
    }
  };

  const cancel = () => {
    if (editing) {
      setText("");
    }
    onCancel();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) {
      submit(event);
    } else if (event.key === "Escape" && (editing || replyTo)) {
      event.preventDefault();
      cancel();
    }
  };

  const off = !!disabledNote;
  return (
    <form className="composer" onSubmit={submit}>
      {off && <p className="note composer-note">{disabledNote}</p>}
      {(replyTo || editing) && (
        <div className="composer-context" aria-live="polite">
          {editing ? <span>Editing message</span> : (
            <span className="quote-draft">Replying to <strong>{nameOf(replyTo!.senderId)}</strong>: <q>{replyTo!.text ?? replyTo!.media?.fileName ?? replyTo!.type}</q></span>
          )}
          <button type="button" className="link" onClick={cancel}>{editing ? "Cancel edit" : "Cancel reply"}</button>
        </div>
      )}
      <button type="button" className="attach" onClick={() => fileRef.current?.click()} aria-label="Attach" title="Attach" disabled={!!editing || off}>📎</button>
      <input ref={fileRef} type="file" aria-label="Attach file" className="sr-only" tabIndex={-1} disabled={off}
        onChange={(e) => { const file = e.target.files?.[0]; e.target.value = ""; if (file) { deliver("", file); } }} />
      <label className="sr-only" htmlFor="composer-text">Message</label>
      <textarea id="composer-text" ref={textRef} rows={1} value={text} onChange={(e) => onChange(e.target.value)} onKeyDown={onKeyDown} disabled={off}
        placeholder={editing ? "Edit the message" : "Type a message"} maxLength={4096} />
      <button type="submit" className="send" disabled={off}>Send</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
