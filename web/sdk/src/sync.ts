import type { ChatClient } from "./client";
import { retryDelay } from "./retry";
import type { Message } from "./types";

export interface MessageSyncOptions {
  /** The jitter of the retry back-off, a number in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * Keeps every chat's newest seq that the app has, so nothing is lost across a dropped connection
 * (real-time delivery is best effort, API.md): after a reconnect each chat is read from that seq
 * (`afterSeq`), and a live message that skips seqs first fetches the ones in between. Each missed
 * message is delivered once, in seq order, through the same handler as live ones (a live event
 * for a message the catch-up already delivered is dropped). Work for one
 * chat runs one step at a time, so deliveries within a chat keep their order.
 *
 * A chat whose catch-up or gap fill fails is read again on its own after a back-off (`retryDelay`: full jitter,
 * 1 s doubling to 30 s, at least `Retry-After`), for as long as the failures are transient (network, 408, 429,
 * 5xx); a 401, 403 or 404 stops it. A chat has at most one retry pending; any successful read of it cancels it.
 */
export class MessageSync {
  private readonly newest = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Messages shown above a gap that could not be read yet ("chatId:seq"): the catch-up skips them. */
  private readonly shownAhead = new Set<string>();
  /** Failures in a row per chat, and the one pending retry (when it is due, its timer). */
  private readonly failures = new Map<string, number>();
  private readonly retries = new Map<string, { due: number; timer: ReturnType<typeof setTimeout> }>();
  private stopped = false;
  private readonly random: () => number;

  constructor(private readonly client: ChatClient, private readonly deliver: (message: Message) => void, options: MessageSyncOptions = {}) {
    this.random = options.random ?? Math.random;
  }

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
          this.cancelRetry(message.chatId);
        } catch (error) {
          // The message is shown now; the gap stays (the newest seq is not moved past it) for a retry or the next catch-up.
          this.shownAhead.add(`${message.chatId}:${message.seq}`);
          this.deliver(message);
          this.retryLater(message.chatId, error);
          return;
        }
      }
      this.take(message);
    });
  }

  /** After a reconnect: every known chat from its newest seq. */
  async catchUp(): Promise<void> {
    await Promise.all([...this.newest.keys()].map((chatId) => this.catchUpChat(chatId)));
  }

  /** Cancels every pending retry and schedules none from here on (sign-out: `Realtime.stop`). */
  stop(): void {
    this.stopped = true;
    for (const { timer } of this.retries.values()) {
      clearTimeout(timer);
    }
    this.retries.clear();
  }

  private catchUpChat(chatId: string): Promise<void> {
    return this.inOrder(chatId, async () => {
      try {
        await this.readAfter(chatId, this.newest.get(chatId) ?? 0);
        this.cancelRetry(chatId);
      } catch (error) {
        this.retryLater(chatId, error);
      }
    });
  }

  private cancelRetry(chatId: string): void {
    clearTimeout(this.retries.get(chatId)?.timer);
    this.retries.delete(chatId);
    this.failures.delete(chatId);
  }

  /** Schedules a catch-up of the chat after the back-off, unless the error is for good. A retry already pending
   * stays the only one (moved later when this error asks for a longer wait, e.g. its `Retry-After`). */
  private retryLater(chatId: string, error: unknown): void {
    const failures = (this.failures.get(chatId) ?? 0) + 1;
    const wait = retryDelay(error, failures, this.random);
    if (wait === undefined || this.stopped) {
      this.cancelRetry(chatId); // for good: the next reconnect or gap tries again
      return;
    }
    this.failures.set(chatId, failures);
    const due = Date.now() + wait;
    const pending = this.retries.get(chatId);
    if (pending && pending.due >= due) {
      return;
    }
    clearTimeout(pending?.timer);
    this.retries.set(chatId, {
      due,
      timer: setTimeout(() => {
        this.retries.delete(chatId);
        void this.catchUpChat(chatId);
      }, wait),
    });
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
