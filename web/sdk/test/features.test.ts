import { describe, expect, it } from "vitest";
import { applyReaction, ChatClient, reactionCounts, type ShownMessage } from "../src";
import { fakeFetch, tokens } from "./fakeFetch";

const base = "http://api.test";

const signedIn = (fetch: typeof globalThis.fetch, createXhr?: () => XMLHttpRequest) => {
  const client = new ChatClient({ baseUrl: base, fetch, now: () => 0, createXhr });
  client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });
  return client;
};

const ok = (status = 200, body: unknown = {}) => () => ({ status, body: status === 204 ? undefined : body });

describe("v1.1 routes", () => {
  it("group management uses the group routes", async () => {
    const { fetch, calls } = fakeFetch(ok(201), ok(), ok(), ok(204), ok(), ok(200, { inviteCode: "abc" }), ok(), ok(204));
    const client = signedIn(fetch);

    await client.createGroup("Family", ["u2"]);
    await client.updateGroup("g/1", { name: "Fam" });
    await client.addMembers("g/1", ["u3"]);
    await client.removeMember("g/1", "u3");
    await client.makeAdmin("g/1", "u2");
    const invite = await client.createInvite("g/1");
    await client.joinGroup("abc");
    await client.leaveGroup("g/1");

    expect(invite.inviteCode).toBe("abc");
    expect(calls.map((c) => `${c.method} ${c.url.slice(base.length)}`)).toEqual([
      "POST /api/groups", "PATCH /api/groups/g%2F1", "POST /api/groups/g%2F1/members", "DELETE /api/groups/g%2F1/members/u3",
      "POST /api/groups/g%2F1/admins/u2", "POST /api/groups/g%2F1/invite", "POST /api/groups/join", "POST /api/groups/g%2F1/leave",
    ]);
    expect(calls.map((c) => c.body)).toEqual([{ name: "Family", memberIds: ["u2"] }, { name: "Fam" }, { userIds: ["u3"] }, undefined, undefined, undefined, { inviteCode: "abc" }, undefined]);
    expect(calls.every((c) => c.headers.Authorization === "Bearer a1")).toBe(true);
  });

  it("chat settings, the timer and the archived list", async () => {
    const { fetch, calls } = fakeFetch(ok(), ok(), ok(200, { chats: [] }));
    const client = signedIn(fetch);

    await client.updateSettings("c1", { pinned: true, mutedUntil: null });
    await client.setTimer("c1", 86400);
    await client.listChats({ archived: true });

    expect(calls.map((c) => `${c.method} ${c.url.slice(base.length)}`)).toEqual(["PATCH /api/chats/c1/settings", "PUT /api/chats/c1/timer", "GET /api/chats?archived=true"]);
    expect(calls[0]!.body).toEqual({ pinned: true, mutedUntil: null });
    expect(calls[1]!.body).toEqual({ seconds: 86400 });
  });

  it("edit, reactions, forward, search and message receipts", async () => {
    const { fetch, calls } = fakeFetch(ok(), ok(200, { chatId: "c1", seq: 3, reactions: [] }), ok(204), ok(201, { messages: [] }), ok(200, { messages: [], hasMore: false }), ok(200, [{ userId: "u2", readAt: "t" }]));
    const client = signedIn(fetch);

    await client.editMessage("c1", 3, "fixed");
    await client.react("c1", 3, "👍");
    await client.unreact("c1", 3);
    await client.forward("c1", 3, ["c2", "c3"], "f-1");
    await client.search("c1", "hello world", { beforeSeq: 9 });
    const receipts = await client.messageReceipts("c1", 3);

    expect(calls.map((c) => `${c.method} ${c.url.slice(base.length)}`)).toEqual([
      "PATCH /api/chats/c1/messages/3", "PUT /api/chats/c1/messages/3/reactions/me", "DELETE /api/chats/c1/messages/3/reactions/me",
      "POST /api/chats/c1/messages/3/forward", "GET /api/chats/c1/messages/search?q=hello+world&beforeSeq=9", "GET /api/chats/c1/messages/3/receipts",
    ]);
    expect(calls[0]!.body).toEqual({ text: "fixed" });
    expect(calls[1]!.body).toEqual({ emoji: "👍" });
    expect(calls[3]!.body).toEqual({ chatIds: ["c2", "c3"], clientMessageId: "f-1" });
    expect(receipts[0]!.readAt).toBe("t");
  });

  it("blocking and sessions", async () => {
    const { fetch, calls } = fakeFetch(ok(204), ok(204), ok(200, []), ok(200, [{ sessionId: "s1", current: true }]), ok(204));
    const client = signedIn(fetch);

    await client.block("u2");
    await client.unblock("u2");
    await client.blocked();
    const sessions = await client.sessions();
    await client.endSession("s1");

    expect(sessions[0]!.current).toBe(true);
    expect(calls.map((c) => `${c.method} ${c.url.slice(base.length)}`)).toEqual([
      "PUT /api/users/me/blocked/u2", "DELETE /api/users/me/blocked/u2", "GET /api/users/me/blocked", "GET /api/users/me/sessions", "DELETE /api/users/me/sessions/s1",
    ]);
  });
});

/** Just enough of XMLHttpRequest for the upload: records what it is given, then plays progress and a status. */
class FakeXhr {
  opened: [string, string] | undefined;
  headers: Record<string, string> = {};
  sent: unknown;
  status = 0;
  responseText = "";
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor(private readonly answer: number) {}

  open(method: string, url: string) {
    this.opened = [method, url];
  }

  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }

  send(body: Blob) {
    this.sent = body;
    setTimeout(() => {
      this.upload.onprogress?.({ loaded: 1, total: body.size, lengthComputable: true });
      this.upload.onprogress?.({ loaded: 2, total: body.size, lengthComputable: true });
      this.status = this.answer;
      this.onload?.();
    });
  }
}

describe("upload progress", () => {
  const ticket = { mediaId: "m1", uploadUrl: "http://blob.test/media/m1?sig=x", uploadHeaders: { "x-ms-blob-type": "BlockBlob", "Content-Type": "image/png" }, expiresAt: "" };

  it("with onProgress the PUT goes through XMLHttpRequest with the ticket's headers and reports each step", async () => {
    const xhr = new FakeXhr(201);
    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: ticket }));
    const client = signedIn(fetch, () => xhr as unknown as XMLHttpRequest);
    const file = new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" });
    const steps: [number, number][] = [];

    await client.upload(file, "cat.png", (sent, total) => steps.push([sent, total]));

    expect(calls).toHaveLength(1); // only the ticket went through fetch
    expect(xhr.opened).toEqual(["PUT", ticket.uploadUrl]);
    expect(xhr.headers).toEqual(ticket.uploadHeaders);
    expect(xhr.sent).toBe(file);
    expect(steps).toEqual([[1, 3], [2, 3], [3, 3]]);
  });

  it("a refused PUT is an ApiError; without XMLHttpRequest the progress comes once at the end", async () => {
    const refused = signedIn(fakeFetch(() => ({ status: 201, body: ticket })).fetch, () => new FakeXhr(403) as unknown as XMLHttpRequest);
    await expect(refused.upload(new Blob(["x"]), "a.txt", () => undefined)).rejects.toMatchObject({ status: 403 });

    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: ticket }), () => ({ status: 201 }));
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
    client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });
    const steps: number[] = [];
    await client.upload(new Blob(["xy"]), "a.txt", (sent) => steps.push(sent));

    expect(calls[1]!.method).toBe("PUT");
    expect(steps).toEqual([2]);
  });
});

describe("reactions", () => {
  const message: ShownMessage = { chatId: "c1", seq: 3, clientMessageId: "x", senderId: "u2", type: "text", sentAt: "", status: "sent", reactions: [{ userId: "u2", emoji: "👍", at: "" }] };

  it("a reaction event replaces the member's reaction, a null emoji removes it, and counts group by emoji", () => {
    let m = applyReaction(message, { chatId: "c1", seq: 3, userId: "me", emoji: "👍", at: "" });
    expect(reactionCounts(m, "me")).toEqual([{ emoji: "👍", count: 2, mine: true }]);

    m = applyReaction(m, { chatId: "c1", seq: 3, userId: "me", emoji: "❤️", at: "" });
    expect(reactionCounts(m, "me")).toEqual([{ emoji: "👍", count: 1, mine: false }, { emoji: "❤️", count: 1, mine: true }]);

    m = applyReaction(m, { chatId: "c1", seq: 3, userId: "me", emoji: null, at: "" });
    expect(m.reactions).toEqual(message.reactions);
    expect(applyReaction(message, { chatId: "c1", seq: 4, userId: "me", emoji: "👍", at: "" })).toBe(message);
  });
});
