import { describe, expect, it } from "vitest";
import { ChatClient, MessageSync, type Message } from "../src";
import { fakeFetch, tokens, type Call } from "./fakeFetch";

const message = (chatId: string, seq: number): Message => ({
  chatId, seq, messageId: `m${seq}`, clientMessageId: `c${seq}`, senderId: "u2", type: "text", text: `#${seq}`, sentAt: "2026-12-01T10:00:00Z", status: "sent", reactions: [],
} as Message);
const page = (chatId: string, seqs: number[]) => () => ({ status: 200, body: { messages: seqs.map((s) => message(chatId, s)), hasMore: false } });

function setUp(...answers: ((call: Call) => { status: number; body?: unknown })[]) {
  const { fetch, calls } = fakeFetch(...answers);
  const client = new ChatClient({ baseUrl: "http://api.test", fetch, now: () => 0 });
  client.setTokens({ ...tokens("a1"), expiresAt: 900_000 });
  const delivered: string[] = [];
  const sync = new MessageSync(client, (m) => delivered.push(`${m.chatId}:${m.seq}`));
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
