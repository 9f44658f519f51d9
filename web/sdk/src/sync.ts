import type { ChatClient } from "./client";
import type { Message } from "./types";

/**
 * Keeps every chat's newest seq that the app has, so nothing is lost across a dropped connection
 * (real-time delivery is best effort, API.md): after a reconnect each chat is read from that seq
 * (`afterSeq`), and a live message that skips seqs first fetches the ones in between. Each missed
 * message is delivered once, in seq order, through the same handler as live ones (a live event
 * for a message the catch-up already delivered is dropped). Work for one
 * chat runs one step at a time, so deliveries within a chat keep their order.
 */
export class MessageSync {
  private readonly newest = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Messages shown above a gap that could not be read yet ("chatId:seq"): the catch-up skips them. */
  private readonly shownAhead = new Set<string>();

  constructor(private readonly client: ChatClient, private readonly deliver: (message: Message) => void) {}

  /** The app has messages up to `seq` in this chat (a history page it loaded, a message it sent). */
  note(chatId: string, seq: number): void {
    if (seq > (this.newest.get(chatId) ?? 0)) {
      this.newest.set(chatId, seq);
    }
  }

  /** The newest seq known for a chat, if the chat is known. */
  seqOf(chatId: string): number | undefined {
    return this.newest.get(chatId);
  }

  /** A `message` event: a gap before it is filled from history first. */
  live(message: Message): Promise<void> {
    return this.inOrder(message.chatId, async () => {
      const known = this.newest.get(message.chatId);
      if (known !== undefined && message.seq > known + 1) {
        try {
          await this.readAfter(message.chatId, known, message.seq);
        } catch {
          // The gap stays for the next catch-up (the newest seq is not moved past it); the message itself is shown now.
          this.shownAhead.add(`${message.chatId}:${message.seq}`);
          this.deliver(message);
          return;
        }
      }
      this.take(message);
    });
  }

  /** After a reconnect: every known chat from its newest seq. */
  async catchUp(): Promise<void> {
    await Promise.all([...this.newest.keys()].map((chatId) =>
      this.inOrder(chatId, () => this.readAfter(chatId, this.newest.get(chatId) ?? 0))));
  }

  private async readAfter(chatId: string, afterSeq: number, below = Number.POSITIVE_INFINITY): Promise<void> {
    const missed = await this.client.messagesAfter(chatId, afterSeq);
    for (const message of missed) {
      if (message.seq < below) {
        this.take(message);
      }
    }
  }

  /** Delivers a message the app does not have yet. Seqs are gap-free and a message is never visible
   * before a lower one (API.md), so one at or below the newest known seq is already delivered. */
  private take(message: Message): void {
    if (message.seq <= (this.newest.get(message.chatId) ?? 0)) {
      return;
    }
    this.note(message.chatId, message.seq);
    if (!this.shownAhead.delete(`${message.chatId}:${message.seq}`)) {
      this.deliver(message);
    }
  }

  private inOrder(chatId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(chatId) ?? Promise.resolve()).then(step, step).catch(() => undefined);
    this.queues.set(chatId, next);
    return next;
  }
}
