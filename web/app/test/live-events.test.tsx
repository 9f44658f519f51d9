import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { EventHandlers, Message, RealtimeOptions } from "@chat/sdk";
import { App } from "../src/App";
import { fakeBackend } from "./fakeBackend";

// The hub stands still here: the test plays the server's events into the handlers the page registered.
const hub = vi.hoisted(() => ({ handlers: {} as EventHandlers, options: {} as RealtimeOptions, starts: 0 }));
vi.mock("@chat/sdk", async (original) => ({
  ...(await original<typeof import("@chat/sdk")>()),
  Realtime: class {
    readonly sync = { note: () => undefined, catchUp: () => Promise.resolve() };
    constructor(_client: unknown, options: RealtimeOptions) {
      hub.handlers = options.handlers;
      hub.options = options;
    }
    start() {
      hub.starts++;
      hub.options.onStateChange?.("connected"); // as the SDK's Realtime does once started
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
  },
}));

let backend: ReturnType<typeof fakeBackend>;

beforeEach(() => {
  backend = fakeBackend();
  vi.stubGlobal("fetch", backend.fetch);
  vi.stubGlobal("XMLHttpRequest", backend.XMLHttpRequest);
  sessionStorage.setItem("chat.tokens", JSON.stringify({ userId: "me", accessToken: "a1", refreshToken: "r1", expiresIn: 900, expiresAt: Date.now() + 900_000 }));
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const fromBob = (seq: number, text: string): Message => ({
  chatId: "c1", seq, messageId: `m${seq}`, clientMessageId: `b${seq}`, senderId: "bob", type: "text", text, sentAt: new Date().toISOString(), status: "sent",
});

async function openChatWithBob() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(await within(await screen.findByRole("list", { name: "Chats" })).findByText("Bob"));
  const log = await screen.findByRole("log", { name: "Messages" });
  await within(log).findByText("how are you?");
  return { user, log };
}

describe("live events", () => {
  it("a message to a chat that is not open raises its unread count", async () => {
    render(<App />);
    await screen.findByLabelText("2 unread");

    act(() => hub.handlers.message!(fromBob(4, "still there?")));

    expect(await screen.findByLabelText("3 unread")).toBeTruthy();
  });

  it("shows typing… while the other member types, and Read once they read", async () => {
    const { user, log } = await openChatWithBob();

    act(() => hub.handlers.typing!({ chatId: "c1", userId: "bob" }));
    expect(await screen.findByText("typing…")).toBeTruthy();

    await user.type(screen.getByRole("textbox", { name: "Message" }), "see you");
    await user.click(screen.getByRole("button", { name: "Send" }));
    const mine = (await within(log).findByText("see you")).closest("article")!;
    await waitFor(() => expect(within(mine).getByRole("status", { name: "Sent" })).toBeTruthy());

    const sent = backend.messages.at(-1)!;
    act(() => hub.handlers.message!(sent)); // the live echo of our own send
    act(() => hub.handlers.receipt!({ chatId: "c1", userId: "bob", type: "read", upToSeq: sent.seq, at: new Date().toISOString() }));

    expect(await within(mine).findByRole("status", { name: "Read" })).toBeTruthy();
    expect(within(log).getAllByText("see you")).toHaveLength(1);
  });

  it("a message in the open chat shows at once and is read", async () => {
    const { log } = await openChatWithBob();
    const before = backend.calls.filter((c) => c.path.endsWith("/receipts")).length;

    act(() => hub.handlers.message!(fromBob(4, "still there?")));

    expect(await within(log).findByText("still there?")).toBeTruthy();
    await waitFor(() => expect(backend.calls.filter((c) => c.path.endsWith("/receipts")).slice(before).some((c) => (c.body as { upToSeq: number }).upToSeq === 4)).toBe(true));
  });

  it("starts the connection again when the server closed it, and catches up", async () => {
    const { log } = await openChatWithBob();
    const starts = hub.starts;

    act(() => hub.options.onStateChange!("disconnected")); // closed by the server: the hub client does not retry that
    expect(await screen.findByText("Offline: retrying")).toBeTruthy();
    backend.messages.push(fromBob(4, "sent while you were away"));

    await waitFor(() => expect(hub.starts).toBe(starts + 1), { timeout: 3000 });
    expect(await within(log).findByText("sent while you were away")).toBeTruthy();
    await waitFor(() => expect(screen.queryByText("Offline: retrying")).toBeNull());
  });
});
