import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import type { ChatClient } from "./client";
import { MessageSync } from "./sync";
import type { Message, ServerEvents } from "./types";

export type EventHandlers = { [K in keyof ServerEvents]?: (argument: ServerEvents[K]) => void };

export interface RealtimeOptions {
  handlers: EventHandlers;
  /** After a reconnect, once every known chat has caught up (see `sync`): e.g. reload the chat list. */
  onReconnected?: () => void;
  onStateChange?: (state: "connected" | "reconnecting" | "disconnected") => void;
  /** Delays between reconnect attempts (ms); the last one repeats for ever. */
  retryDelays?: number[];
  logLevel?: LogLevel;
  /** Tests pass a builder of their own. */
  builder?: () => HubConnectionBuilder;
}

export const EVENT_NAMES: (keyof ServerEvents)[] = ["message", "receipt", "typing", "chat", "messageDeleted", "presence", "messageEdited", "reaction"];

const DEFAULT_DELAYS = [0, 1000, 2000, 5000, 10000, 30000];

/** The hub connection: negotiates through `<host>/api` with a fresh token each time, reconnects for
 * ever, and catches up what it missed (`sync`) before it reports the reconnect. */
export class Realtime {
  readonly connection: HubConnection;
  /** Every chat's newest seq: tell it what history pages and sends brought (`sync.note`); `message`
   * events then arrive once each, gaps filled, and after a reconnect every known chat catches up. */
  readonly sync: MessageSync;
  private readonly onStateChange?: RealtimeOptions["onStateChange"];

  constructor(client: ChatClient, options: RealtimeOptions) {
    const delays = options.retryDelays ?? DEFAULT_DELAYS;
    this.connection = (options.builder?.() ?? new HubConnectionBuilder())
      // Bearer tokens only: no cookies, so the hub may sit on another origin without credentialed CORS.
      .withUrl(client.hubUrl, { accessTokenFactory: () => client.accessToken(), withCredentials: false })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => delays[Math.min(ctx.previousRetryCount, delays.length - 1)] ?? 30000 })
      .configureLogging(options.logLevel ?? LogLevel.Warning)
      .build();
    const onMessage = options.handlers.message ?? (() => undefined);
    this.sync = new MessageSync(client, onMessage);
    for (const name of EVENT_NAMES) {
      // Every method gets a handler, a no-op when not asked for, so the client logs no "no client method" warnings.
      const handler = name === "message"
        ? (message: Message) => void this.sync.live(message)
        : (options.handlers[name] as ((argument: unknown) => void) | undefined) ?? (() => undefined);
      this.connection.on(name, handler as (argument: unknown) => void);
    }
    this.connection.onreconnecting(() => options.onStateChange?.("reconnecting"));
    this.connection.onreconnected(() => {
      options.onStateChange?.("connected");
      void this.sync.catchUp().finally(() => options.onReconnected?.());
    });
    this.connection.onclose(() => options.onStateChange?.("disconnected"));
    this.onStateChange = options.onStateChange;
  }

  get connected(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  async start(): Promise<void> {
    await this.connection.start();
    this.onStateChange?.("connected");
  }

  /** Closes the connection and cancels the catch-up retries still pending (`sync.stop`), for good: sign-out. */
  stop(): Promise<void> {
    this.sync.stop();
    return this.connection.stop();
  }
}
