import { describe, expect, it, vi } from "vitest";
import type { HubConnectionBuilder, IHttpConnectionOptions, IRetryPolicy } from "@microsoft/signalr";
import { ChatClient, EVENT_NAMES, Realtime } from "../src";
import { fakeFetch, tokens } from "./fakeFetch";

/** Records what Realtime asks of the builder and of the connection it builds. */
function recordingBuilder() {
  const seen = { url: "", options: {} as IHttpConnectionOptions, retry: undefined as IRetryPolicy | undefined, on: [] as string[], reconnected: [] as (() => void)[] };
  const connection = {
    on: (name: string) => seen.on.push(name),
    onreconnecting: () => undefined,
    onreconnected: (f: () => void) => seen.reconnected.push(f),
    onclose: () => undefined,
    stop: async () => undefined,
  };
  const builder = {
    withUrl(url: string, options: IHttpConnectionOptions) { seen.url = url; seen.options = options; return builder; },
    withAutomaticReconnect(policy: IRetryPolicy) { seen.retry = policy; return builder; },
    configureLogging() { return builder; },
    build: () => connection,
  };
  return { seen, builder: () => builder as unknown as HubConnectionBuilder };
}

describe("Realtime", () => {
  it("connects to <host>/api with a token factory that refreshes, and listens to every server event", async () => {
    let clock = 0;
    const { fetch } = fakeFetch(() => ({ status: 200, body: tokens("a2") }));
    const client = new ChatClient({ baseUrl: "http://api.test", fetch, now: () => clock });
    client.setTokens({ ...tokens("a1"), expiresAt: 120_000 });
    const { seen, builder } = recordingBuilder();
    let caughtUp = 0;

    new Realtime(client, { builder, handlers: { message: () => undefined, receipt: () => undefined }, onReconnected: () => caughtUp++ });

    expect(seen.url).toBe("http://api.test/api");
    expect(seen.options.withCredentials).toBe(false);
    expect(await seen.options.accessTokenFactory!()).toBe("a1");
    clock = 100_000;
    expect(await seen.options.accessTokenFactory!()).toBe("a2");
    expect(seen.on).toEqual(EVENT_NAMES);
    seen.reconnected.forEach((f) => f());
    await expect.poll(() => caughtUp).toBe(1); // after the catch-up of known chats (none here)
  });

  it("retries for ever, the last delay repeating", () => {
    const client = new ChatClient({ baseUrl: "http://api.test" });
    const { seen, builder } = recordingBuilder();

    new Realtime(client, { builder, handlers: {}, retryDelays: [0, 500] });

    const delay = (n: number) => seen.retry!.nextRetryDelayInMilliseconds({ previousRetryCount: n, elapsedMilliseconds: 0, retryReason: new Error("x") });
    expect([delay(0), delay(1), delay(50)]).toEqual([0, 500, 500]);
    expect(EVENT_NAMES).toContain("messageEdited");
  });

  it("stop() cancels the catch-up retries still pending", async () => {
    vi.useFakeTimers();
    try {
      const { fetch, calls } = fakeFetch(() => { throw new TypeError("Failed to fetch"); });
      const client = new ChatClient({ baseUrl: "http://api.test", fetch, now: () => 0 });
      client.setTokens({ ...tokens("a1"), expiresAt: 900_000 });
      const { seen, builder } = recordingBuilder();
      let caughtUp: () => void = () => undefined;
      const reconnected = new Promise<void>((resolve) => (caughtUp = resolve));
      const realtime = new Realtime(client, { builder, handlers: {}, onReconnected: () => caughtUp() });
      realtime.sync.note("a", 2);

      seen.reconnected.forEach((f) => f());
      await reconnected; // its catch-up failed: a retry is pending
      await realtime.stop();
      await vi.advanceTimersByTimeAsync(10 * 60_000);

      expect(calls).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
