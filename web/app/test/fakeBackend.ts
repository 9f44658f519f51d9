import type { Chat, Message, User } from "@chat/sdk";

export interface Recorded {
  method: string;
  path: string;
  body?: unknown;
  auth?: string;
}

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const notFound = () => json(404, { type: "t", title: "Not found", status: 404, detail: "No route.", traceId: "x" });

type Route = [string, RegExp, (body: any, match: RegExpMatchArray, query: URLSearchParams) => Response | Promise<Response>];

/** An in-memory stand-in for the routes the page calls, enough to drive it through its screens. */
export function fakeBackend() {
  const calls: Recorded[] = [];
  const me: User = { userId: "me", displayName: "Ann", online: true };
  const bob: User = { userId: "bob", displayName: "Bob", phoneNumber: "+14155550102", online: true, lastSeen: new Date().toISOString() };
  const carol: User = { userId: "carol", displayName: "Carol", phoneNumber: "+14155550103", online: false };
  const users: Record<string, User> = { bob, carol };
  const message = (seq: number, senderId: string, text: string, status: Message["status"] = "sent", chatId = "c1"): Message => ({
    chatId, seq, messageId: `m${seq}`, clientMessageId: `cm${seq}`, senderId, type: "text", text, sentAt: new Date(2026, 11, 1, 10, seq).toISOString(), status, reactions: [],
  });
  const messages: Message[] = [message(1, "me", "hi Bob", "read"), message(2, "bob", "hi Ann"), message(3, "bob", "how are you?")];
  const history: Record<string, Message[]> = { c1: messages };
  const member = (userId: string, role: "admin" | "member" = "member") => ({ userId, role, joinedAt: "2026-12-01T09:00:00.000Z" });
  const chats: Chat[] = [{
    chatId: "c1", type: "direct", members: [member("me"), member("bob")], lastSeq: 3, readSeq: 1, unreadCount: 2,
    createdAt: "2026-12-01T09:00:00.000Z", settings: { pinned: false, archived: false, mutedUntil: null }, messageTimer: 0,
  }];
  const blocked = new Set<string>();
  const sessions = [
    { sessionId: "s1", deviceName: "Firefox", createdAt: "2026-11-01T09:00:00.000Z", lastUsedAt: "2026-12-01T09:00:00.000Z", current: true },
    { sessionId: "s2", deviceName: "Phone", createdAt: "2026-10-01T09:00:00.000Z", lastUsedAt: "2026-11-20T09:00:00.000Z", current: false },
  ];
  let inviteCounter = 0;
  /** Knobs a test turns: sends refused (this many), with this status. */
  const control = { failSends: 0, failStatus: 503 };
  const invites: Record<string, string> = {};
  /** While set, uploads stop halfway until it resolves (to see the progress bar). */
  let uploadGate: Promise<void> | undefined;

  const view = (chat: Chat): Chat => {
    const list = history[chat.chatId] ?? [];
    return { ...chat, lastMessage: list.at(-1) ?? chat.lastMessage, lastSeq: Math.max(chat.lastSeq, list.at(-1)?.seq ?? 0) };
  };
  const chatOf = (id: string) => chats.find((c) => c.chatId === id);
  const patchChat = (id: string, change: Partial<Chat>) => {
    const chat = chatOf(id)!;
    Object.assign(chat, change);
    return json(200, view(chat));
  };
  const find = (chatId: string, seq: string) => history[chatId]?.find((m) => m.seq === Number(seq));
  const push = (chatId: string, m: Message) => {
    (history[chatId] ??= []).push(m);
    return m;
  };
  const nextSeq = (chatId: string) => (history[chatId]?.at(-1)?.seq ?? 0) + 1;
  const newGroup = (name: string, memberIds: string[]): Chat => {
    const chat: Chat = {
      chatId: `g${chats.length}`, type: "group", name, members: [member("me", "admin"), ...memberIds.map((id) => member(id))], lastSeq: 0, readSeq: 0, unreadCount: 0,
      createdAt: new Date().toISOString(), settings: { pinned: false, archived: false, mutedUntil: null }, messageTimer: 0,
    };
    chats.push(chat);
    return chat;
  };

  const routes: Route[] = [
    ["POST", /^\/api\/auth\/register$/, (b) => json(202, { phoneNumber: b.phoneNumber, expiresIn: 600, registrationId: "reg-1" })],
    ["POST", /^\/api\/auth\/verify$/, (b) => (b.code === "123456" ? json(201, me) : json(400, { type: "t", title: "Bad", status: 400, detail: "Invalid.", traceId: "x", errors: { code: ["The code is wrong."] } }))],
    ["POST", /^\/api\/auth\/login$/, () => json(200, { userId: "me", accessToken: "a1", refreshToken: "r1", expiresIn: 900 })],
    ["GET", /^\/api\/chats$/, (_b, _m, q) => json(200, { chats: chats.filter((c) => c.members.some((m) => m.userId === "me") && !!c.settings?.archived === (q.get("archived") === "true")).map(view) })],
    ["GET", /^\/api\/users\/me\/blocked$/, () => json(200, [...blocked].map((id) => users[id]))],
    ["PUT", /^\/api\/users\/me\/blocked\/(\w+)$/, (_b, m) => (blocked.add(m[1]!), json(204))],
    ["DELETE", /^\/api\/users\/me\/blocked\/(\w+)$/, (_b, m) => (blocked.delete(m[1]!), json(204))],
    ["GET", /^\/api\/users\/me\/sessions$/, () => json(200, sessions)],
    ["DELETE", /^\/api\/users\/me\/sessions\/(\w+)$/, (_b, m) => (sessions.splice(sessions.findIndex((x) => x.sessionId === m[1]), 1), json(204))],
    ["GET", /^\/api\/users\/(\w+)$/, (_b, m) => (users[m[1]!] ? json(200, users[m[1]!]) : notFound())],
    ["GET", /^\/api\/presence/, () => json(200, [{ userId: "bob", online: true, lastSeen: new Date().toISOString() }])],
    ["GET", /^\/api\/chats\/(\w+)\/messages\/search$/, (_b, m, q) => {
      const needle = q.get("q")!.toLowerCase();
      const before = Number(q.get("beforeSeq") ?? Infinity);
      const found = (history[m[1]!] ?? []).filter((x) => x.seq < before && !x.deleted && x.text?.toLowerCase().includes(needle)).reverse();
      const limit = Number(q.get("limit") ?? 20);
      return json(200, { messages: found.slice(0, limit), hasMore: found.length > limit });
    }],
    ["GET", /^\/api\/chats\/(\w+)\/messages\/(\d+)\/receipts$/, () => json(200, [{ userId: "bob", deliveredAt: "2026-12-01T10:05:00.000Z", readAt: "2026-12-01T10:06:00.000Z" }, { userId: "carol", deliveredAt: "2026-12-01T10:05:00.000Z" }])],
    ["GET", /^\/api\/chats\/(\w+)\/messages$/, (_b, m, q) => {
      const all = history[m[1]!] ?? [];
      const limit = Number(q.get("limit") ?? 50);
      const before = q.get("beforeSeq");
      const after = q.get("afterSeq");
      if (after !== null) {
        const above = all.filter((x) => x.seq > Number(after));
        return json(200, { messages: above.slice(0, limit), hasMore: above.length > limit });
      }
      const below = before === null ? all : all.filter((x) => x.seq < Number(before));
      return json(200, { messages: below.slice(-limit), hasMore: below.length > limit });
    }],
    ["POST", /^\/api\/media$/, (b) => json(201, { mediaId: "m1", uploadUrl: "http://blob.test/media/m1?sig=1", uploadHeaders: { "x-ms-blob-type": "BlockBlob", "Content-Type": b.contentType }, expiresAt: "" })],
    ["PUT", /^\/media\/m1$/, () => json(201)],
    ["GET", /^\/api\/media\/m1\/thumbnail$/, () => new Response(new Blob([new Uint8Array([255, 216])], { type: "image/jpeg" }), { status: 200 })],
    ["GET", /^\/api\/media\/m1$/, () => new Response(new Blob([new Uint8Array([137, 80, 78, 71])], { type: "image/png" }), { status: 200 })],
    ["POST", /^\/api\/chats\/(\w+)\/messages$/, (b, m) => {
      if (control.failSends > 0) {
        control.failSends--;
        return control.failStatus === 503
          ? json(503, { type: "t", title: "Unavailable", status: 503, detail: "The store is unavailable.", traceId: "x" })
          : json(control.failStatus, { type: "t", title: "Refused", status: control.failStatus, detail: "The send was refused.", traceId: "x" });
      }
      const again = history[m[1]!]?.find((x) => x.clientMessageId === b.clientMessageId && x.senderId === "me");
      if (again) {
        return json(200, again);
      }
      const chatId = m[1]!;
      const media = b.mediaId ? { mediaId: b.mediaId, fileName: lastUpload.name, contentType: lastUpload.type, sizeBytes: lastUpload.size, url: `/api/media/${b.mediaId}` } : undefined;
      const quoted = b.replyToSeq ? find(chatId, b.replyToSeq) : undefined;
      const replyTo = quoted && { seq: quoted.seq, senderId: quoted.senderId, type: quoted.type, text: quoted.text };
      const sent = { ...message(nextSeq(chatId), "me", b.text, "sent", chatId), clientMessageId: b.clientMessageId, type: b.type, media, replyToSeq: b.replyToSeq, replyTo };
      return json(201, push(chatId, sent));
    }],
    ["PATCH", /^\/api\/chats\/(\w+)\/messages\/(\d+)$/, (b, m) => {
      const found = find(m[1]!, m[2]!)!;
      Object.assign(found, { text: b.text, editedAt: new Date().toISOString() });
      return json(200, found);
    }],
    ["DELETE", /^\/api\/chats\/(\w+)\/messages\/(\d+)$/, (_b, m) => {
      const found = find(m[1]!, m[2]!)!;
      Object.assign(found, { deleted: true, text: undefined, media: undefined });
      return json(204);
    }],
    ["PUT", /^\/api\/chats\/(\w+)\/messages\/(\d+)\/reactions\/me$/, (b, m) => {
      const found = find(m[1]!, m[2]!)!;
      found.reactions = [...(found.reactions ?? []).filter((r) => r.userId !== "me"), { userId: "me", emoji: b.emoji, at: new Date().toISOString() }];
      return json(200, { chatId: m[1], seq: found.seq, reactions: found.reactions });
    }],
    ["DELETE", /^\/api\/chats\/(\w+)\/messages\/(\d+)\/reactions\/me$/, (_b, m) => {
      const found = find(m[1]!, m[2]!)!;
      found.reactions = (found.reactions ?? []).filter((r) => r.userId !== "me");
      return json(204);
    }],
    ["POST", /^\/api\/chats\/(\w+)\/messages\/(\d+)\/forward$/, (b, m) => {
      const source = find(m[1]!, m[2]!)!;
      const sent = (b.chatIds as string[]).map((chatId) =>
        push(chatId, { ...source, chatId, seq: nextSeq(chatId), senderId: "me", clientMessageId: b.clientMessageId, forwarded: true, reactions: [], sentAt: new Date().toISOString(), status: "sent" }));
      return json(201, { messages: sent });
    }],
    ["PATCH", /^\/api\/chats\/(\w+)\/settings$/, (b, m) => patchChat(m[1]!, { settings: { ...chatOf(m[1]!)!.settings!, ...b } })],
    ["PUT", /^\/api\/chats\/(\w+)\/timer$/, (b, m) => patchChat(m[1]!, { messageTimer: b.seconds })],
    ["POST", /^\/api\/chats\/(\w+)\/(receipts|typing)$/, () => json(204)],
    ["POST", /^\/api\/presence\/heartbeat$/, () => json(204)],
    ["POST", /^\/api\/users\/lookup$/, (b) => json(200, Object.values(users).filter((u) => (b.phoneNumbers as string[]).includes(u.phoneNumber!)))],
    ["POST", /^\/api\/chats\/direct$/, () => json(200, view(chats[0]!))],
    ["POST", /^\/api\/groups$/, (b) => json(201, newGroup(b.name, b.memberIds))],
    ["POST", /^\/api\/groups\/join$/, (b) => {
      const chatId = Object.entries(invites).find(([, code]) => code === b.inviteCode)?.[0];
      const chat = chatId && chatOf(chatId);
      if (!chat) {
        return notFound();
      }
      if (!chat.members.some((m) => m.userId === "me")) {
        chat.members = [...chat.members, member("me")];
      }
      return json(200, view(chat));
    }],
    ["PATCH", /^\/api\/groups\/(\w+)$/, (b, m) => patchChat(m[1]!, b)],
    ["POST", /^\/api\/groups\/(\w+)\/members$/, (b, m) => patchChat(m[1]!, { members: [...chatOf(m[1]!)!.members, ...(b.userIds as string[]).map((id) => member(id))] })],
    ["DELETE", /^\/api\/groups\/(\w+)\/members\/(\w+)$/, (_b, m) => (patchChat(m[1]!, { members: chatOf(m[1]!)!.members.filter((x) => x.userId !== m[2]) }), json(204))],
    ["POST", /^\/api\/groups\/(\w+)\/admins\/(\w+)$/, (_b, m) => patchChat(m[1]!, { members: chatOf(m[1]!)!.members.map((x) => (x.userId === m[2] ? { ...x, role: "admin" as const } : x)) })],
    ["POST", /^\/api\/groups\/(\w+)\/invite$/, (_b, m) => json(200, { inviteCode: (invites[m[1]!] = `code${++inviteCounter}`) })],
    ["POST", /^\/api\/groups\/(\w+)\/leave$/, (_b, m) => (chats.splice(chats.indexOf(chatOf(m[1]!)!), 1), json(204))],
  ];
  let lastUpload = { name: "cat.png", type: "image/png", size: 4 };

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), "http://127.0.0.1:7071");
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : init?.body ?? undefined;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ method, path: url.pathname + url.search, body, auth: headers.Authorization });
    if (method === "POST" && url.pathname === "/api/media") {
      lastUpload = { name: body.fileName, type: body.contentType, size: body.sizeBytes };
    }
    for (const [m, pattern, answer] of routes) {
      const match = url.pathname.match(pattern);
      if (m === method && match) {
        return answer(body, match, url.searchParams);
      }
    }
    return notFound();
  };

  /** XMLHttpRequest for the upload PUT, through the same routes: progress at half (then waits for the gate, if any), then the answer. */
  class FakeXhr {
    status = 0;
    responseText = "";
    upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private method = "GET";
    private url = "";
    private headers: Record<string, string> = {};

    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }

    setRequestHeader(name: string, value: string) {
      this.headers[name] = value;
    }

    send(body: Blob) {
      void (async () => {
        this.upload.onprogress?.({ loaded: Math.floor(body.size / 2), total: body.size, lengthComputable: true });
        await uploadGate;
        const response = await fetch(this.url, { method: this.method, headers: this.headers, body });
        this.upload.onprogress?.({ loaded: body.size, total: body.size, lengthComputable: true });
        this.status = response.status;
        this.responseText = await response.text();
        this.onload?.();
      })();
    }
  }

  const holdUploads = () => {
    let release!: () => void;
    uploadGate = new Promise((resolve) => (release = resolve));
    return () => {
      uploadGate = undefined;
      release();
    };
  };

  return { fetch, calls, messages, history, chats, users, message, member, newGroup, blocked, sessions, control, XMLHttpRequest: FakeXhr, holdUploads };
}
