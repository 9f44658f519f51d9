import type { Chat, Message, User } from "@chat/sdk";

export interface Recorded {
  method: string;
  path: string;
  body?: unknown;
  auth?: string;
}

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** An in-memory stand-in for the few routes the page calls, enough to drive it through its screens. */
export function fakeBackend() {
  const calls: Recorded[] = [];
  const me: User = { userId: "me", displayName: "Ann", online: true };
  const bob: User = { userId: "bob", displayName: "Bob", phoneNumber: "+14155550102", online: true, lastSeen: new Date().toISOString() };
  const message = (seq: number, senderId: string, text: string, status: Message["status"] = "sent"): Message => ({
    chatId: "c1", seq, messageId: `m${seq}`, clientMessageId: `cm${seq}`, senderId, type: "text", text, sentAt: new Date(2026, 11, 1, 10, seq).toISOString(), status,
  });
  const messages: Message[] = [message(1, "me", "hi Bob", "read"), message(2, "bob", "hi Ann"), message(3, "bob", "how are you?")];
  const chat = (): Chat => ({
    chatId: "c1", type: "direct", members: [{ userId: "me", role: "member", joinedAt: "" }, { userId: "bob", role: "member", joinedAt: "" }],
    lastMessage: messages.at(-1), lastSeq: messages.length, readSeq: 1, unreadCount: 2, createdAt: "2026-12-01T09:00:00.000Z",
  });

  const routes: [string, RegExp, (body: any, match: RegExpMatchArray) => Response][] = [
    ["POST", /^\/api\/auth\/register$/, (b) => json(202, { phoneNumber: b.phoneNumber, expiresIn: 600, registrationId: "reg-1" })],
    ["POST", /^\/api\/auth\/verify$/, (b) => (b.code === "123456" ? json(201, me) : json(400, { type: "t", title: "Bad", status: 400, detail: "Invalid.", traceId: "x", errors: { code: ["The code is wrong."] } }))],
    ["POST", /^\/api\/auth\/login$/, () => json(200, { userId: "me", accessToken: "a1", refreshToken: "r1", expiresIn: 900 })],
    ["GET", /^\/api\/chats$/, () => json(200, { chats: [chat()] })],
    ["GET", /^\/api\/users\/bob$/, () => json(200, bob)],
    ["GET", /^\/api\/presence/, () => json(200, [{ userId: "bob", online: true, lastSeen: new Date().toISOString() }])],
    ["GET", /^\/api\/chats\/c1\/messages/, () => json(200, { messages, hasMore: false })],
    ["POST", /^\/api\/media$/, (b) => json(201, { mediaId: "m1", uploadUrl: "http://blob.test/media/m1?sig=1", uploadHeaders: { "x-ms-blob-type": "BlockBlob", "Content-Type": b.contentType }, expiresAt: "" })],
    ["PUT", /^\/media\/m1$/, () => json(201)],
    ["GET", /^\/api\/media\/m1$/, () => new Response(new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }), { status: 200 })],
    ["POST", /^\/api\/chats\/c1\/messages$/, (b) => {
      const media = b.mediaId ? { mediaId: b.mediaId, fileName: "cat.png", contentType: "image/png", sizeBytes: 4, url: `/api/media/${b.mediaId}` } : undefined;
      const sent = { ...message(messages.length + 1, "me", b.text), clientMessageId: b.clientMessageId, type: b.type, media };
      messages.push(sent);
      return json(201, sent);
    }],
    ["POST", /^\/api\/chats\/c1\/(receipts|typing)$/, () => json(204)],
    ["POST", /^\/api\/presence\/heartbeat$/, () => json(204)],
    ["POST", /^\/api\/users\/lookup$/, () => json(200, [bob])],
    ["POST", /^\/api\/chats\/direct$/, () => json(200, chat())],
  ];

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), "http://127.0.0.1:7071");
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : init?.body ?? undefined;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ method, path: url.pathname + url.search, body, auth: headers.Authorization });
    for (const [m, pattern, answer] of routes) {
      const match = url.pathname.match(pattern);
      if (m === method && match) {
        return answer(body, match);
      }
    }
    return json(404, { type: "t", title: "Not found", status: 404, detail: "No route.", traceId: "x" });
  };

  return { fetch, calls, messages };
}
