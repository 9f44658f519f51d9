import { atLeastRetryAfter, isTransient } from "./retry";
import type { ChatClient } from "./client";
import type { Message, SendMessage } from "./types";

/** A send that has not been acknowledged yet. */
export interface PendingSend {
  chatId: string;
  message: SendMessage;
  attempts: number;
}

/** Where pending sends survive a reload (e.g. localStorage); the outbox saves after every change. */
export interface PendingStore {
  load(): PendingSend[];
  save(pending: PendingSend[]): void;
}

export interface OutboxOptions {
  /** Delays between attempts (ms); the last one repeats until the send lands or fails for good. */
  retryDelays?: number[];
  store?: PendingStore;
  /** Tests pass a fake timer. */
  sleep?: (ms: number, wake: AbortSignal) => Promise<void>;
}

const DEFAULT_DELAYS = [1000, 2000, 5000, 10000, 30000];

/**
 * Sends that survive failures: each is retried with the SAME clientMessageId until the API answers
 * (201 the first time, 200 for a repeat it already stored: API.md's idempotent send), so a lost
 * answer never makes a duplicate. Network errors, 408, 429 and 5xx are retried (429/503 after their
 * Retry-After); any other problem rejects the send at once.
 */
export class Outbox {
  private readonly pending = new Map<string, PendingSend>();
  private readonly delays: number[];
  private readonly sleep: (ms: number, wake: AbortSignal) => Promise<void>;
  private wake = new AbortController();

  constructor(private readonly client: ChatClient, private readonly options: OutboxOptions = {}) {
    this.delays = options.retryDelays ?? DEFAULT_DELAYS;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** What is still on its way, oldest first. */
  get waiting(): PendingSend[] {
    return [...this.pending.values()];
  }

  /** Sends until acknowledged; resolves with the stored message, rejects on a permanent problem. */
  send(chatId: string, message: SendMessage): Promise<Message> {
    const entry = { chatId, message, attempts: 0 };
    this.pending.set(message.clientMessageId, entry);
    this.save();
    return this.run(entry);
  }

  /** Resends what the store kept from before a reload; call once after signing in. */
  resume(): Promise<Message>[] {
    const kept = this.options.store?.load() ?? [];
    return kept.filter((p) => !this.pending.has(p.message.clientMessageId)).map((p) => this.send(p.chatId, p.message));
  }

  /** Retries every waiting send now (the connection is back, the browser went online). */
  retryNow(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  /** Stops retrying one send (the user discarded it); its promise rejects. */
  cancel(clientMessageId: string): void {
    if (this.pending.delete(clientMessageId)) {
      this.save();
      this.retryNow();
    }
  }

  private async run(entry: PendingSend): Promise<Message> {
    const id = entry.message.clientMessageId;
    for (;;) {
      if (!this.pending.has(id)) {
        throw new Error("The send was cancelled.");
      }
      entry.attempts++;
      try {
        const sent = await this.client.send(entry.chatId, entry.message);
        this.pending.delete(id);
        this.save();
        return sent;
      } catch (error) {
        const wait = this.retryDelay(error, entry.attempts);
        if (wait === undefined) {
          this.pending.delete(id);
          this.save();
          throw error;
        }
        await this.sleep(wait, this.wake.signal);
      }
    }
  }

  /** How long to wait before the next attempt; undefined when the problem is permanent. */
  private retryDelay(error: unknown, attempts: number): number | undefined {
    return isTransient(error)
      ? atLeastRetryAfter(error, this.delays[Math.min(attempts - 1, this.delays.length - 1)] ?? 30000)
      : undefined;
  }

  private save(): void {
    this.options.store?.save(this.waiting);
  }
}

function abortableSleep(ms: number, wake: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
