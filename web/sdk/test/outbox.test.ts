import { describe, expect, it } from "vitest";
import { ChatClient, Outbox, type PendingSend } from "../src";
import { fakeFetch, problem, tokens } from "./fakeFetch";

const base = "http://api.test";
const stored = (seq: number) => ({ chatId: "c1", seq, messageId: `m${seq}`, clientMessageId: "cm-1", senderId: "u1", type: "text", text: "hi", sentAt: "2026-12-01T10:00:00Z", status: "sent", reactions: [] });

function signedIn(fetch: typeof globalThis.fetch): ChatClient {
  const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
  client.setTokens({ ...tokens("a1"), expiresAt: 900_000 });
  return client;
}

/** A sleep that records each wait and returns at once. */
function recordedSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("Outbox", () => {
  it("resends after network errors and 503 with the same clientMessageId, honouring Retry-After", async () => {
    const { fetch, calls } = fakeFetch(
      () => { throw new TypeError("Failed to fetch"); },
      () => ({ status: 503, body: problem(503), headers: { "Retry-After": "7" } }),
      () => ({ status: 200, body: stored(4) }), // the first try was stored after all: the repeat answers 200
    );
    const { waits, sleep } = recordedSleep();
    const outbox = new Outbox(signedIn(fetch), { sleep, retryDelays: [1000, 2000] });

    const sent = await outbox.send("c1", { clientMessageId: "cm-1", type: "text", text: "hi" });

    expect(sent.seq).toBe(4);
    expect(calls.map((c) => (c.body as { clientMessageId: string }).clientMessageId)).toEqual(["cm-1", "cm-1", "cm-1"]);
    expect(waits).toEqual([1000, 7000]);
    expect(outbox.waiting).toEqual([]);
  });

  it("rejects at once on a permanent problem and forgets the send", async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 403, body: problem(403, "blocked") }));
    const outbox = new Outbox(signedIn(fetch), { sleep: async () => undefined });

    await expect(outbox.send("c1", { clientMessageId: "cm-1", type: "text", text: "hi" })).rejects.toMatchObject({ status: 403 });

    expect(calls).toHaveLength(1);
    expect(outbox.waiting).toEqual([]);
  });

  it("keeps waiting sends in its store, so a reload resends them", async () => {
    let saved: PendingSend[] = [];
    const store = { load: () => saved, save: (p: PendingSend[]) => void (saved = structuredClone(p)) };
    const first = fakeFetch(() => { throw new TypeError("offline"); });
    let wake: () => void = () => undefined;
    const stuck = new Outbox(signedIn(first.fetch), { store, sleep: () => new Promise<void>((resolve) => (wake = resolve)) });

    const lost = stuck.send("c1", { clientMessageId: "cm-1", type: "text", text: "hi" });
    await expect.poll(() => first.calls.length).toBe(1);
    expect(saved.map((p) => p.message.clientMessageId)).toEqual(["cm-1"]);

    // The page reloads: a new outbox resends what the store kept, with the same id.
    const second = fakeFetch(() => ({ status: 201, body: stored(1) }));
    const [resent] = new Outbox(signedIn(second.fetch), { store }).resume();
    expect((await resent!).seq).toBe(1);
    expect((second.calls[0]!.body as { clientMessageId: string }).clientMessageId).toBe("cm-1");
    expect(saved).toEqual([]);
    stuck.cancel("cm-1");
    wake();
    await expect(lost).rejects.toThrow("cancelled");
  });

  it("retryNow cuts a wait short", async () => {
    const { fetch, calls } = fakeFetch(
      () => { throw new TypeError("offline"); },
      () => ({ status: 201, body: stored(2) }),
    );
    const outbox = new Outbox(signedIn(fetch), { retryDelays: [3_600_000] });

    const sending = outbox.send("c1", { clientMessageId: "cm-1", type: "text", text: "hi" });
    await expect.poll(() => outbox.waiting[0]?.attempts).toBe(1);
    await Promise.resolve();
    outbox.retryNow();

    expect((await sending).seq).toBe(2);
    expect(calls).toHaveLength(2);
  });
});
