import { useMemo, useState } from "react";
import type { Chat, ChatClient, Presence, ShownMessage } from "@chat/sdk";
import { describe } from "./AuthScreen";
import type { ChatActions } from "./chatActions";
import { ChatHeader } from "./ChatHeader";
import { Composer } from "./Composer";
import { Dialog } from "./Dialog";
import { ForwardDialog } from "./ForwardDialog";
import { GroupPanel } from "./GroupPanel";
import type { MessageHandlers } from "./MessageActions";
import { MessageInfoDialog } from "./MessageInfoDialog";
import { MessageList } from "./MessageList";
import { SearchPanel } from "./SearchPanel";
import { chatName, isAdmin, otherMember, type State } from "./state";

interface Props {
  chat: Chat;
  state: State;
  me: string;
  client: ChatClient;
  actions: ChatActions;
  onSend: (text: string, file?: File, replyToSeq?: number) => Promise<void>;
  onRetry: (message: ShownMessage) => Promise<void>;
  onTyping: () => void;
  onBack: () => void;
  onPresence: (presence: Presence[]) => void;
}

export function ChatView({ chat, state, me, client, actions, onSend, onRetry, onTyping, onBack, onPresence }: Props) {
  const messages = state.messages[chat.chatId] ?? [];
  const others = chat.members.map((m) => m.userId).filter((id) => id !== me);
  const name = chatName(chat, me, state.users);
  const other = chat.type === "direct" ? otherMember(chat, me) : undefined;
  const blocked = !!other && !!state.blocked[other];
  const [replyTo, setReplyTo] = useState<ShownMessage>();
  const [editing, setEditing] = useState<ShownMessage>();
  const [forwarding, setForwarding] = useState<ShownMessage>();
  const [info, setInfo] = useState<ShownMessage>();
  const [deleting, setDeleting] = useState<ShownMessage>();
  const [searching, setSearching] = useState(false);
  const [panelOpen, setPanelOpen] = useState(false);
  const [highlightSeq, setHighlightSeq] = useState<number>();
  const [error, setError] = useState<string>();
  const nameOf = (userId: string) => (userId === me ? "You" : state.users[userId]?.displayName ?? "Someone");

  const report = (action: Promise<unknown>) => {
    setError(undefined);
    action.catch((e: unknown) => setError(describe(e)));
  };

  const handlers: MessageHandlers = useMemo(() => ({
    onReply: (m) => { setEditing(undefined); setReplyTo(m); },
    onEdit: (m) => { setReplyTo(undefined); setEditing(m); },
    onDelete: setDeleting,
    onForward: setForwarding,
    onInfo: setInfo,
    onReact: (m, emoji) => report(actions.react(m, emoji)),
    onRetry: (m) => report(onRetry(m)),
  }), [actions, onRetry]);

  /** A search result or a quote: shown when loaded, else older pages load until it is (or too far back: a note). */
  const jumpTo = (seq: number) => {
    setHighlightSeq(undefined);
    report(actions.loadUntil(chat.chatId, seq).then((found) => {
      if (found) {
        setHighlightSeq(seq);
      } else {
        throw new Error("That message is too far back to show here; scroll up to load it.");
      }
    }));
  };

  return (
    <div className={`chat-area ${panelOpen ? "with-panel" : ""}`}>
      <section className="chat" aria-label={`Chat with ${name}`}>
        <ChatHeader chat={chat} name={name} state={state} me={me} client={client} actions={actions} searching={searching} panelOpen={panelOpen}
          onBack={onBack} onPresence={onPresence} onToggleSearch={() => setSearching((s) => !s)} onTogglePanel={() => setPanelOpen((p) => !p)} />
        {searching && <SearchPanel chatId={chat.chatId} client={client} nameOf={nameOf} onJump={jumpTo} onClose={() => setSearching(false)} />}
        {error && <p role="alert" className="error chat-error">{error}</p>}
        <MessageList messages={messages} me={me} others={others} marks={state.marks[chat.chatId] ?? {}} client={client} group={chat.type === "group"}
          admin={isAdmin(chat, me)} blocked={blocked} hasOlder={state.hasOlder[chat.chatId] ?? false} uploads={state.uploads} highlightSeq={highlightSeq}
          nameOf={nameOf} handlers={handlers} onLoadOlder={() => actions.loadOlder(chat.chatId)} onJump={jumpTo} />
        <Composer onSend={onSend} onTyping={onTyping} replyTo={replyTo} editing={editing} nameOf={nameOf}
          onSaveEdit={(m, text) => actions.edit(m, text)} onCancel={() => { setReplyTo(undefined); setEditing(undefined); }}
          disabledNote={blocked ? "You blocked this contact. Unblock them to send messages." : undefined} />
      </section>
      {panelOpen && chat.type === "group" && <GroupPanel chat={chat} me={me} actions={actions} nameOf={nameOf} onClose={() => setPanelOpen(false)} />}
      {forwarding && (
        <ForwardDialog message={forwarding} chats={state.chats} nameOf={(c) => chatName(c, me, state.users)} onForward={actions.forward} onClose={() => setForwarding(undefined)} />
      )}
      {deleting && (
        <Dialog label="Delete message?" onClose={() => setDeleting(undefined)}>
          <p className="forward-preview">{deleting.text ?? deleting.media?.fileName ?? deleting.type}</p>
          <p>It is deleted for everyone in this chat.</p>
          <button type="button" className="danger" onClick={() => { report(actions.deleteMessage(deleting)); setDeleting(undefined); }}>Delete for everyone</button>
        </Dialog>
      )}
      {info && <MessageInfoDialog message={info} client={client} nameOf={nameOf} onClose={() => setInfo(undefined)} />}
    </div>
  );
}
