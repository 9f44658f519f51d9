import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatClient, MessageSync, type Message } from "../src";
import { fakeFetch, problem, tokens } from "./fakeFetch";

const message = (chatId: string, seq: number): Message => ({
  chatId, seq, messageId: `m${seq}`, clientMessageId: `c${seq}`, senderId: "u2", type: "text", text: `#${seq}`, sentAt: "2026-12-01T10:00:00Z", status: "sent", reactions: [],
} as Message);
const page = (chatId: string, seqs: number[]) => () => ({ status: 200, body: { messages: seqs.map((s) => message(chatId, s)), hasMore: false } });

const offline = () => { throw new TypeError("Failed to fetch"); };

/** A sync over a fake fetch; its back-off jitter is fixed at one half (waits of 0.5 s, 1 s, 2 s, …). */
function setUp(...answers: Parameters<typeof fakeFetch>) {
  const { fetch, calls } = fakeFetch(...answers);
  const client = new ChatClient({ baseUrl: "http://api.test", fetch, now: () => 0 });
  client.setTokens({ ...tokens("a1"), expiresAt: 900_000 });
  const delivered: string[] = [];
  const sync = new MessageSync(client, (m) => delivered.push(`${m.chatId}:${m.seq}`), { random: () => 0.5 });
  return { sync, calls, delivered };
}

describe("MessageSync", () => {
  it("after a reconnect reads every known chat from its newest seq and delivers each missed message once", async () => {
    const { sync, calls, delivered } = setUp(page("a", [3, 4]), page("b", [8]));
    sync.note("a", 2);
    sync.note("b", 7);

    await sync.catchUp();
    await sync.live(message("a", 4)); // its live event arrives after the catch-up read it

    expect(calls.map((c) => c.url)).toEqual([
      "http://api.test/api/chats/a/messages?afterSeq=2&limit=100",
      "http://api.test/api/chats/b/messages?afterSeq=7&limit=100",
    ]);
    expect(delivered).toEqual(["a:3", "a:4", "b:8"]);
    expect(sync.seqOf("a")).toBe(4);
  });

  it("fills a gap before a live message that skips seqs, in order", async () => {
    const { sync, calls, delivered } = setUp(page("a", [6, 7, 8]));
    sync.note("a", 5);

    await sync.live(message("a", 8));

    expect(calls[0]!.url).toContain("afterSeq=5");
    expect(delivered).toEqual(["a:6", "a:7", "a:8"]);
  });

  it("delivers the next message of a chat without a request", async () => {
    const { sync, calls, delivered } = setUp();
    sync.note("a", 1);

    await sync.live(message("a", 2));
    await sync.live(message("new-chat", 5)); // a chat it did not know: nothing to compare, delivered as is

    expect(calls).toEqual([]);
    expect(delivered).toEqual(["a:2", "new-chat:5"]);
  });

  it("shows a live message whose gap cannot be read now, and leaves the gap to the next catch-up", async () => {
    const { sync, delivered } = setUp(
      () => { throw new TypeError("offline"); },
      page("a", [6, 7, 8]),
    );
    sync.note("a", 5);

    await sync.live(message("a", 8));
    await sync.catchUp();

    expect(delivered).toEqual(["a:8", "a:6", "a:7"]);
    expect(sync.seqOf("a")).toBe(8);
  });
});

describe("MessageSync retries", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("retries a catch-up that met a network error after the back-off, then delivers the missed messages once, in order", async () => {
    const { sync, calls, delivered } = setUp(offline, page("a", [3, 4, 5]));
    sync.note("a", 2);

    await sync.catchUp();
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await sync.live(message("a", 5)); // its live event arrives after the retry read it

    expect(calls.map((c) => c.url)).toEqual([
      "http://api.test/api/chats/a/messages?afterSeq=2&limit=100",
      "http://api.test/api/chats/a/messages?afterSeq=2&limit=100",
    ]);
    expect(delivered).toEqual(["a:3", "a:4", "a:5"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(2);
  });

  it("waits at least Retry-After after a 503", async () => {
    const { sync, calls, delivered } = setUp(() => ({ status: 503, body: problem(503), headers: { "Retry-After": "7" } }), page("a", [3]));
    sync.note("a", 2);

    await sync.catchUp();
    await vi.advanceTimersByTimeAsync(6_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);

    expect(calls).toHaveLength(2);
    expect(delivered).toEqual(["a:3"]);
  });

  it.each([403, 404])("does not retry a chat after a %i (no longer allowed to see it)", async (status) => {
    const { sync, calls, delivered } = setUp(() => ({ status, body: problem(status) }));
    sync.note("a", 2);

    await sync.catchUp();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(calls).toHaveLength(1);
    expect(delivered).toEqual([]);
  });

  it("does not retry once the session is over (a 401 whose refresh is refused too)", async () => {
    const { sync, calls } = setUp(() => ({ status: 401, body: problem(401) }), () => ({ status: 401, body: problem(401) }));
    sync.note("a", 2);

    await sync.catchUp();
    expect(vi.getTimerCount()).toBe(0); // a retry would make no request (the client is signed out) but keep a timer
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "GET http://api.test/api/chats/a/messages?afterSeq=2&limit=100",
      "POST http://api.test/api/auth/refresh",
    ]);
  });

  it("backs off longer after a second failure in a row", async () => {
    const { sync, calls, delivered } = setUp(offline, () => ({ status: 500, body: problem(500) }), page("a", [3]));
    sync.note("a", 2);

    await sync.catchUp();
    await vi.advanceTimersByTimeAsync(500); // 1 s · ½
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 2 s · ½

    expect(calls).toHaveLength(3);
    expect(delivered).toEqual(["a:3"]);
  });

  it("keeps one retry per chat however many reads fail meanwhile", async () => {
    const { sync, calls, delivered } = setUp(offline, offline, page("a", [3, 4]));
    sync.note("a", 2);

    await sync.catchUp(); // retry due in 0.5 s
    await sync.catchUp(); // a second failure: the same retry, now due in 1 s
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(calls).toHaveLength(3);
    expect(delivered).toEqual(["a:3", "a:4"]);
  });

  it("cancels a pending retry when a reconnect's catch-up reads the chat", async () => {
    const { sync, calls, delivered } = setUp(offline, page("a", [3, 4]));
    sync.note("a", 2);

    await sync.catchUp();
    await sync.catchUp(); // the reconnect, before the retry is due
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(calls).toHaveLength(2);
    expect(delivered).toEqual(["a:3", "a:4"]);
  });

  it("stop() cancels every pending retry and schedules none for a read still under way", async () => {
    const { sync, calls } = setUp(offline, offline, offline);
    sync.note("a", 2);
    sync.note("b", 7);

    await sync.catchUp();
    sync.note("c", 1);
    const underWay = sync.live(message("c", 5)); // its gap fill fails after the stop
    sync.stop();
    await underWay;
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(calls).toHaveLength(3);
  });

  it("retries a gap fill that failed: the gap is delivered once and the live message shown ahead not again", async () => {
    const { sync, calls, delivered } = setUp(offline, page("a", [6, 7, 8]));
    sync.note("a", 5);

    await sync.live(message("a", 8));
    expect(delivered).toEqual(["a:8"]);
    await vi.advanceTimersByTimeAsync(500);

    expect(calls.map((c) => c.url)).toEqual([
      "http://api.test/api/chats/a/messages?afterSeq=5&limit=100",
      "http://api.test/api/chats/a/messages?afterSeq=5&limit=100",
    ]);
    expect(delivered).toEqual(["a:8", "a:6", "a:7"]);
    expect(sync.seqOf("a")).toBe(8);
    await sync.live(message("a", 9)); // the next one follows without a request
    expect(calls).toHaveLength(2);
    expect(delivered).toEqual(["a:8", "a:6", "a:7", "a:9"]);
  });

  it("cancels a pending retry when a later gap fill reads the chat", async () => {
    const { sync, calls, delivered } = setUp(offline, page("a", [6, 7, 8, 9]));
    sync.note("a", 5);

    await sync.live(message("a", 8));
    await sync.live(message("a", 10)); // its gap fill reads 6 to 9 before the retry is due
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(calls).toHaveLength(2);
    expect(delivered).toEqual(["a:8", "a:6", "a:7", "a:9", "a:10"]);
  });
});
