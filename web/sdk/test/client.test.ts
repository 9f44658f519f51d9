import { describe, expect, it } from "vitest";
import { ApiError, ChatClient } from "../src";
import { fakeFetch, problem, tokens } from "./fakeFetch";

const base = "http://api.test";

describe("auth", () => {
  it("register then verify sends the registrationId", async () => {
    const { fetch, calls } = fakeFetch(
      () => ({ status: 202, body: { phoneNumber: "+14155550101", expiresIn: 600, registrationId: "reg-1" } }),
      () => ({ status: 201, body: { userId: "u1", displayName: "Ann", online: false } }),
    );
    const client = new ChatClient({ baseUrl: base, fetch });

    const registration = await client.register("+14155550101", "Ann", "secret-pass");
    const user = await client.verify("+14155550101", "123456", registration.registrationId);

    expect(user.userId).toBe("u1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`POST ${base}/api/auth/register`, `POST ${base}/api/auth/verify`]);
    expect(calls[1]!.body).toEqual({ phoneNumber: "+14155550101", code: "123456", registrationId: "reg-1" });
    expect(calls[0]!.headers.Authorization).toBeUndefined();
  });

  it("login keeps the tokens and sends the access token as a bearer", async () => {
    const { fetch, calls } = fakeFetch(
      () => ({ status: 200, body: tokens("a1") }),
      () => ({ status: 200, body: { userId: "u1", displayName: "Ann", online: true } }),
    );
    const kept: unknown[] = [];
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 1_000, onTokens: (t) => kept.push(t) });

    await client.login("+14155550101", "secret-pass");
    await client.me();

    expect(calls[1]!.headers.Authorization).toBe("Bearer a1");
    expect(client.tokens?.expiresAt).toBe(1_000 + 900_000);
    expect(kept).toHaveLength(1);
  });

  it("refreshes the token shortly before it expires, once for concurrent calls", async () => {
    let clock = 0;
    const { fetch, calls } = fakeFetch(
      () => ({ status: 200, body: tokens("a1") }),
      () => ({ status: 200, body: tokens("a2") }),
      (call) => ({ status: 200, body: { chats: [], seen: call.headers.Authorization } }),
      (call) => ({ status: 200, body: { chats: [], seen: call.headers.Authorization } }),
    );
    const client = new ChatClient({ baseUrl: base, fetch, now: () => clock, refreshMarginSeconds: 60 });
    await client.login("+14155550101", "secret-pass");

    clock = 900_000 - 30_000; // 30 s before expiry: inside the margin
    await Promise.all([client.listChats(), client.listChats()]);

    expect(calls.filter((c) => c.url.endsWith("/api/auth/refresh"))).toHaveLength(1);
    expect(calls[1]!.body).toEqual({ refreshToken: "r-a1" });
    expect(calls.slice(2).map((c) => c.headers.Authorization)).toEqual(["Bearer a2", "Bearer a2"]);
  });

  it("a 401 on an API call refreshes once and retries", async () => {
    const { fetch, calls } = fakeFetch(
      () => ({ status: 200, body: tokens("a1") }),
      () => ({ status: 401, body: problem(401, "expired") }),
      () => ({ status: 200, body: tokens("a2") }),
      () => ({ status: 200, body: { userId: "u1", displayName: "Ann", online: true } }),
    );
    const client = new ChatClient({ baseUrl: base, fetch });
    await client.login("+14155550101", "secret-pass");

    const me = await client.me();

    expect(me.displayName).toBe("Ann");
    expect(calls[3]!.headers.Authorization).toBe("Bearer a2");
  });

  it("a refused refresh signs out", async () => {
    const { fetch } = fakeFetch(
      () => ({ status: 200, body: tokens("a1", "r1", 1) }),
      () => ({ status: 401, body: problem(401, "session revoked") }),
    );
    const client = new ChatClient({ baseUrl: base, fetch });
    await client.login("+14155550101", "secret-pass");

    await expect(client.me()).rejects.toMatchObject({ status: 401 });
    expect(client.tokens).toBeNull();
  });
});

describe("errors", () => {
  it("problem details become a typed ApiError with field errors and Retry-After", async () => {
    const { fetch } = fakeFetch(
      () => ({ status: 400, body: problem(400, "wrong code", { errors: { code: ["The code is wrong."] } }) }),
      () => ({ status: 429, body: problem(429, "slow down"), headers: { "Retry-After": "7" } }),
    );
    const client = new ChatClient({ baseUrl: base, fetch });

    const wrong = await client.verify("+14155550101", "000000", "reg").catch((e: unknown) => e);
    const limited = await client.register("+14155550101", "Ann", "secret-pass").catch((e: unknown) => e);

    expect(wrong).toBeInstanceOf(ApiError);
    expect((wrong as ApiError).fieldError("code")).toBe("The code is wrong.");
    expect((wrong as ApiError).problem.traceId).toBe("t1");
    expect((limited as ApiError).retryAfter).toBe(7);
    expect((limited as ApiError).message).toBe("slow down");
  });

  it("a body that is not JSON still gives an ApiError with the status", async () => {
    const { fetch } = fakeFetch(() => ({ status: 502, body: "<html>bad gateway</html>" }));
    const client = new ChatClient({ baseUrl: base, fetch });

    const error = (await client.register("+1", "A", "p").catch((e: unknown) => e)) as ApiError;

    expect(error.status).toBe(502);
    expect(error.problem.detail).toContain("bad gateway");
  });
});

describe("messages and chats", () => {
  const signedIn = (fetch: typeof globalThis.fetch) => {
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
    client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });
    return client;
  };

  it("sendText posts a clientMessageId and the text", async () => {
    const { fetch, calls } = fakeFetch((call) => ({ status: 201, body: { ...(call.body as object), seq: 1, chatId: "c/1" } }));
    const client = signedIn(fetch);

    const sent = await client.sendText("c/1", "hello", "cm-1");

    expect(calls[0]!.url).toBe(`${base}/api/chats/c%2F1/messages`);
    expect(calls[0]!.body).toEqual({ clientMessageId: "cm-1", type: "text", text: "hello" });
    expect(sent.seq).toBe(1);
  });

  it("sendText makes a new clientMessageId when none is given", async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: {} }), () => ({ status: 201, body: {} }));
    const client = signedIn(fetch);

    await client.sendText("c1", "a");
    await client.sendText("c1", "b");

    const ids = calls.map((c) => (c.body as { clientMessageId: string }).clientMessageId);
    expect(ids[0]).toMatch(/.+/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("messagesAfter follows afterSeq pages until hasMore is false", async () => {
    const page = (seqs: number[], hasMore: boolean) => ({ status: 200, body: { messages: seqs.map((seq) => ({ seq })), hasMore } });
    const { fetch, calls } = fakeFetch(() => page([4, 5], true), () => page([6], false));
    const client = signedIn(fetch);

    const messages = await client.messagesAfter("c1", 3, 2);

    expect(messages.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(calls.map((c) => c.url)).toEqual([`${base}/api/chats/c1/messages?afterSeq=3&limit=2`, `${base}/api/chats/c1/messages?afterSeq=5&limit=2`]);
  });

  it("receipts, typing and presence use their routes", async () => {
    const { fetch, calls } = fakeFetch(
      () => ({ status: 204 }),
      () => ({ status: 204 }),
      () => ({ status: 200, body: [{ userId: "u2", online: true }] }),
      () => ({ status: 201, body: { chatId: "c9" } }),
    );
    const client = signedIn(fetch);

    await client.receipt("c1", "read", 7);
    await client.typing("c1");
    const presence = await client.presence(["u2", "u3"]);
    await client.openDirect("u2");

    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `POST ${base}/api/chats/c1/receipts`,
      `POST ${base}/api/chats/c1/typing`,
      `GET ${base}/api/presence?userIds=u2%2Cu3`,
      `POST ${base}/api/chats/direct`,
    ]);
    expect(calls[0]!.body).toEqual({ type: "read", upToSeq: 7 });
    expect(presence[0]!.online).toBe(true);
  });
});

describe("media", () => {
  it("upload gets a ticket, then PUTs the bytes to the upload URL with the ticket's headers only", async () => {
    const ticket = { mediaId: "m1", uploadUrl: "http://blob.test/media/m1?sig=x", uploadHeaders: { "x-ms-blob-type": "BlockBlob", "Content-Type": "image/png" }, expiresAt: "" };
    const { fetch, calls } = fakeFetch(() => ({ status: 201, body: ticket }), () => ({ status: 201 }));
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
    client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });
    const file = new Blob([new Uint8Array([1, 2, 3])], { type: "image/png" });

    const result = await client.upload(file, "cat.png");

    expect(result.mediaId).toBe("m1");
    expect(calls[0]!.body).toEqual({ fileName: "cat.png", contentType: "image/png", sizeBytes: 3 });
    expect(calls[1]!.method).toBe("PUT");
    expect(calls[1]!.url).toBe(ticket.uploadUrl);
    expect(calls[1]!.headers).toEqual(ticket.uploadHeaders);
    expect(calls[1]!.body).toBe(file);
  });

  it("a refused upload is an ApiError", async () => {
    const ticket = { mediaId: "m1", uploadUrl: "http://blob.test/m1", uploadHeaders: {}, expiresAt: "" };
    const { fetch } = fakeFetch(() => ({ status: 201, body: ticket }), () => ({ status: 409, body: "exists" }));
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
    client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });

    await expect(client.upload(new Blob(["x"]), "a.txt")).rejects.toMatchObject({ status: 409 });
  });

  it("downloadMedia fetches the media route with the token", async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: "bytes" }));
    const client = new ChatClient({ baseUrl: base, fetch, now: () => 0 });
    client.setTokens({ ...tokens("a1"), expiresAt: 3_600_000 });

    const blob = await client.downloadMedia("m1");

    expect(calls[0]!.url).toBe(`${base}/api/media/m1`);
    expect(calls[0]!.headers.Authorization).toBe("Bearer a1");
    expect(await blob.text()).toBe('bytes');
  });
});
