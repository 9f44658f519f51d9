// The SDK against a running local host: CHAT_BASE_URL=http://127.0.0.1:7071 npx vitest run test/live.test.ts
// (dotnet test runs it against its in-process host; without the variable it is skipped).
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, ChatClient, Realtime, statusOf, type Message, type ReceiptEvent } from "../src";

// Node sets it; declared here so the SDK needs no Node typings.
declare const process: { env: Record<string, string | undefined> };
const base = process.env.CHAT_BASE_URL?.replace(/\/$/, "");
const password = "correct-horse-1";
const realtimes: Realtime[] = [];

afterEach(async () => {
  await Promise.all(realtimes.splice(0).map((r) => r.stop()));
});

function phoneNumber(): string {
  return "+1556" + String(Math.floor(Math.random() * 10_000_000)).padStart(7, "0");
}

async function latestCode(phone: string): Promise<string> {
  const response = await fetch(`${base}/_local/sms?phoneNumber=${encodeURIComponent(phone)}`);
  const sms = (await response.json()) as { text: string }[];
  return sms.at(-1)?.text.match(/\b\d{6}\b/)?.[0] ?? "";
}

async function newUser(name: string) {
  const client = new ChatClient({ baseUrl: base });
  const phone = phoneNumber();
  const registration = await client.register(phone, name, password);
  await client.verify(phone, await latestCode(phone), registration.registrationId);
  await client.login(phone, password);
  return { client, phone, userId: client.userId! };
}

/** Resolves with the first event that matches, within the timeout. */
function waitFor<T>(subscribe: (resolve: (value: T) => void) => void, what: string, ms = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.skipIf(!base)("live local host", () => {
  it("signs up with the SMS code, finds a contact by phone number and chats in real time with receipts", async () => {
    const ann = await newUser("Ann");
    const bob = await newUser("Bob");
    const [found] = await ann.client.lookup([bob.phone]);
    expect(found?.userId).toBe(bob.userId);
    const chat = await ann.client.openDirect(bob.userId);

    const toBob: Message[] = [];
    const toAnn: ReceiptEvent[] = [];
    let bobGot: (m: Message) => void = () => undefined;
    let annGot: (r: ReceiptEvent) => void = () => undefined;
    const bobLive = new Realtime(bob.client, { handlers: { message: (m) => { toBob.push(m); bobGot(m); } } });
    const annLive = new Realtime(ann.client, { handlers: { receipt: (r) => { toAnn.push(r); if (r.type === "read") annGot(r); } } });
    realtimes.push(bobLive, annLive);
    await Promise.all([bobLive.start(), annLive.start()]);

    const arrived = waitFor<Message>((resolve) => (bobGot = resolve), "the message event");
    const sent = await ann.client.sendText(chat.chatId, "hello Bob", "cm-hello");
    const again = await ann.client.sendText(chat.chatId, "hello Bob", "cm-hello");
    expect(again.seq).toBe(sent.seq);
    expect((await arrived).text).toBe("hello Bob");

    const read = waitFor<ReceiptEvent>((resolve) => (annGot = resolve), "the read receipt");
    await bob.client.receipt(chat.chatId, "read", sent.seq);
    const receipt = await read;
    expect(receipt.upToSeq).toBe(sent.seq);
    expect(statusOf(sent, [bob.userId], { [bob.userId]: { delivered: receipt.upToSeq, read: receipt.upToSeq } })).toBe("read");

    const history = await bob.client.messagesAfter(chat.chatId, 0);
    expect(history.map((m) => m.clientMessageId)).toEqual(["cm-hello"]);
    const chats = await bob.client.listChats();
    expect(chats.chats.find((c) => c.chatId === chat.chatId)?.unreadCount).toBe(0);
  }, 60_000);

  it("uploads an image straight to storage and reads it back with the token", async () => {
    const ann = await newUser("Ann");
    const bob = await newUser("Bob");
    const chat = await ann.client.openDirect(bob.userId);
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

    const ticket = await ann.client.upload(new Blob([png], { type: "image/png" }), "dot.png");
    const sent = await ann.client.send(chat.chatId, { clientMessageId: "cm-img", type: "image", mediaId: ticket.mediaId });
    const bytes = new Uint8Array(await (await bob.client.downloadMedia(sent.media!.mediaId)).arrayBuffer());

    expect(Array.from(bytes)).toEqual(Array.from(png));
  }, 60_000);

  it("a wrong verification code is a typed 400 with errors.code; unknown routes are problem+json 404", async () => {
    const client = new ChatClient({ baseUrl: base });
    const phone = phoneNumber();
    const registration = await client.register(phone, "Cy", password);

    const wrong = (await client.verify(phone, "000000", registration.registrationId).catch((e: unknown) => e)) as ApiError;
    const missing = await fetch(`${base}/api/no-such-route`);

    expect(wrong).toBeInstanceOf(ApiError);
    expect(wrong.status).toBe(400);
    expect(wrong.fieldError("code")).toBeTruthy();
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  }, 60_000);
});
