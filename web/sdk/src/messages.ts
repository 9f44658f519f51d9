import type { Message, MessageStatus, Reaction, ReactionEvent, ReceiptEvent, ReplyPreview } from "./types";

/**
 * A message as a client shows it: the server's, or an optimistic copy waiting for its seq. (`replyTo` is declared
 * here rather than taken from `Message`, so the generated shape of it still fits.)
 */
export interface ShownMessage extends Omit<Message, "seq" | "messageId" | "replyTo" | "reactions"> {
  seq?: number;
  messageId?: string;
  /** Always on the server's copies; an optimistic copy has none yet. */
  reactions?: Reaction[];
  pending?: boolean;
  failed?: boolean;
  /** v1.1: a preview of the quoted message (on a message with `replyToSeq`). */
  replyTo?: ReplyPreview;
}

/** Each member's receipt marks in one chat: the highest seq they have had delivered and read. */
export type ReceiptMarks = Record<string, { delivered: number; read: number }>;

const RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };

/**
 * Merges messages into a list, each once: a server copy replaces the optimistic copy with the same
 * sender and `clientMessageId`, and a message seen twice (history and live echo) keeps the later
 * state. Server messages come in seq order, optimistic ones after them.
 */
export function mergeMessages(list: ShownMessage[], incoming: ShownMessage[]): ShownMessage[] {
  const byKey = new Map<string, ShownMessage>();
  for (const message of [...list, ...incoming]) {
    const key = `${message.senderId}\u0000${message.clientMessageId}`;
    const known = byKey.get(key);
    byKey.set(key, known ? pickNewer(known, message) : message);
  }
  return [...byKey.values()].sort(bySeq);
}

/** Applies a receipt event to the marks (they only move forward). */
export function applyReceipt(marks: ReceiptMarks, receipt: ReceiptEvent): ReceiptMarks {
  const mark = marks[receipt.userId] ?? { delivered: 0, read: 0 };
  const read = receipt.type === "read" ? Math.max(mark.read, receipt.upToSeq) : mark.read;
  const delivered = Math.max(mark.delivered, read, receipt.upToSeq);
  return { ...marks, [receipt.userId]: { delivered, read } };
}

/** The sender's view of their message: the server's status, raised by receipts every other member has sent since. */
export function statusOf(message: ShownMessage, others: string[], marks: ReceiptMarks): MessageStatus {
  if (message.seq === undefined) {
    return "sent";
  }
  const seq = message.seq;
  const fromMarks: MessageStatus = others.length === 0 ? "sent"
    : others.every((u) => (marks[u]?.read ?? 0) >= seq) ? "read"
      : others.every((u) => (marks[u]?.delivered ?? 0) >= seq) ? "delivered" : "sent";
  return RANK[fromMarks] > RANK[message.status] ? fromMarks : message.status;
}

/** Applies a `reaction` event: the member's one reaction is replaced, or removed when `emoji` is null. */
export function applyReaction(message: ShownMessage, event: ReactionEvent): ShownMessage {
  if (message.seq !== event.seq || message.chatId !== event.chatId) {
    return message;
  }
  const others = (message.reactions ?? []).filter((r) => r.userId !== event.userId);
  return { ...message, reactions: event.emoji === null ? others : [...others, { userId: event.userId, emoji: event.emoji, at: event.at }] };
}

/** Reactions grouped by emoji, in order of first use, with their count and whether `me` is among them. */
export function reactionCounts(message: ShownMessage, me: string): { emoji: string; count: number; mine: boolean }[] {
  const counts = new Map<string, { emoji: string; count: number; mine: boolean }>();
  for (const r of message.reactions ?? []) {
    const entry = counts.get(r.emoji) ?? { emoji: r.emoji, count: 0, mine: false };
    entry.count += 1;
    entry.mine ||= r.userId === me;
    counts.set(r.emoji, entry);
  }
  return [...counts.values()];
}

/** The highest seq in the list, for `afterSeq` catch-up. */
export function lastSeq(list: ShownMessage[]): number {
  return list.reduce((max, m) => Math.max(max, m.seq ?? 0), 0);
}

function pickNewer(a: ShownMessage, b: ShownMessage): ShownMessage {
  if (a.seq === undefined) {
    return b; // the server copy (or a retry of the optimistic one) wins
  }
  if (b.seq === undefined) {
    return a; // the server copy arrived first: a late optimistic copy adds nothing
  }
  const newer = (b.editedAt ?? "") >= (a.editedAt ?? "") ? b : a;
  return { ...newer, status: RANK[a.status] > RANK[b.status] ? a.status : b.status, deleted: a.deleted || b.deleted || undefined };
}

function bySeq(a: ShownMessage, b: ShownMessage): number {
  const x = a.seq ?? Number.MAX_SAFE_INTEGER;
  const y = b.seq ?? Number.MAX_SAFE_INTEGER;
  return x !== y ? x - y : a.sentAt.localeCompare(b.sentAt);
}
