import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, screen, waitFor, within } from "@testing-library/react";
import type { ChatClient, EventHandlers, Message, RealtimeOptions } from "@chat/sdk";
import { articleOf, openChat, renderApp, useSignedInBackend } from "./signedIn";

// The hub stands still: the test plays the server's events (and a reconnect) into what the page registered. A
// reconnect runs the SDK's real catch-up (MessageSync) first, as the real Realtime does, then the page's own.
const hub = vi.hoisted(() => ({ handlers: {} as EventHandlers, onReconnected: undefined as (() => void) | undefined }));
vi.mock("@chat/sdk", async (original) => {
  const sdk = await original<typeof import("@chat/sdk")>();
  return {
  ...sdk,
  Realtime: class {
    readonly sync: InstanceType<typeof sdk.MessageSync>;
    constructor(client: ChatClient, options: RealtimeOptions) {
      hub.handlers = options.handlers;
      this.sync = new sdk.MessageSync(client, (message) => options.handlers.message?.(message));
      hub.onReconnected = () => void this.sync.catchUp().then(() => options.onReconnected?.());
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
  },
  };
});

const backend = useSignedInBackend();

const fromBob = (seq: number, text: string, chatId = "c1"): Message => ({
  chatId, seq, messageId: `m${seq}`, clientMessageId: `b${seq}`, senderId: "bob", type: "text", text, sentAt: new Date().toISOString(), status: "sent", reactions: [],
});

class FakeNotification {
  static permission: NotificationPermission = "granted";
  static shown: FakeNotification[] = [];
  static requestPermission = vi.fn(async () => (FakeNotification.permission = "granted"));
  onclick: (() => void) | null = null;
  constructor(readonly title: string, readonly options: NotificationOptions) {
    FakeNotification.shown.push(this);
  }
  close() {}
}

const setVisibility = (state: DocumentVisibilityState) => Object.defineProperty(document, "visibilityState", { value: state, configurable: true });

describe("browser notifications", () => {
  beforeEach(() => {
    FakeNotification.shown = [];
    FakeNotification.permission = "granted";
    vi.stubGlobal("Notification", FakeNotification);
  });
  afterEach(() => setVisibility("visible"));

  it("a message from someone else while the tab is hidden notifies; not when visible, not my own", async () => {
    await renderApp();
    await screen.findByLabelText("2 unread");

    act(() => hub.handlers.message!(fromBob(4, "visible now")));
    setVisibility("hidden");
    act(() => hub.handlers.message!({ ...fromBob(5, "from my other device"), senderId: "me" }));
    act(() => hub.handlers.message!(fromBob(6, "are you there?")));

    expect(FakeNotification.shown.map((n) => [n.title, n.options.body, n.options.tag])).toEqual([["Bob", "are you there?", "c1"]]);
  });

  it("a muted chat does not notify", async () => {
    backend().chats[0]!.settings!.mutedUntil = new Date(Date.now() + 3_600_000).toISOString();
    const { chats } = await renderApp();
    await within(chats).findByRole("img", { name: "Muted" });
    setVisibility("hidden");

    act(() => hub.handlers.message!(fromBob(4, "psst")));

    expect(await screen.findByLabelText("3 unread")).toBeTruthy();
    expect(FakeNotification.shown).toHaveLength(0);
  });

  it("asks for the permission only when the button is clicked", async () => {
    FakeNotification.permission = "default";
    const { user } = await renderApp();
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Enable notifications" }));

    expect(FakeNotification.requestPermission).toHaveBeenCalledOnce();
    await waitFor(() => expect(screen.queryByRole("button", { name: "Enable notifications" })).toBeNull());
  });
});

describe("v1.1 live events", () => {
  it("messageEdited, reaction and messageDeleted change the shown messages", async () => {
    const { log } = await openChat("Bob", "how are you?");

    act(() => hub.handlers.messageEdited!({ ...backend().messages[2]!, text: "how are you doing?", editedAt: new Date().toISOString() }));
    const edited = (await within(log).findByText("how are you doing?")).closest("article")!;
    expect(within(edited).getByText(/edited/)).toBeTruthy();

    act(() => hub.handlers.reaction!({ chatId: "c1", seq: 3, userId: "bob", emoji: "😂", at: new Date().toISOString() }));
    expect(await within(edited).findByRole("button", { name: "😂 1" })).toBeTruthy();
    act(() => hub.handlers.reaction!({ chatId: "c1", seq: 3, userId: "bob", emoji: null, at: new Date().toISOString() }));
    await waitFor(() => expect(within(edited).queryByRole("button", { name: "😂 1" })).toBeNull());

    act(() => hub.handlers.messageDeleted!({ chatId: "c1", seq: 2 }));
    expect(await within(log).findByText("This message was deleted")).toBeTruthy();
    expect(within(log).queryByText("hi Ann")).toBeNull();
  });

  it("after a reconnect, missed messages, edits, reactions, deletions and settings are applied, each message once", async () => {
    const b = backend();
    const { log, chats } = await openChat("Bob", "how are you?");

    // While the connection was down:
    b.messages[2] = { ...b.messages[2]!, text: "how are you, Ann?", editedAt: new Date().toISOString() };
    b.messages[1] = { ...b.messages[1]!, reactions: [{ userId: "bob", emoji: "❤️", at: "" }] };
    b.messages[0] = { ...b.messages[0]!, deleted: true, text: undefined };
    b.messages.push(fromBob(4, "you missed this"));
    b.chats[0]!.settings!.pinned = true;
    act(() => hub.onReconnected!());

    expect(await within(log).findByText("you missed this")).toBeTruthy();
    expect(await within(log).findByText("how are you, Ann?")).toBeTruthy();
    expect(within(articleOf(log, "hi Ann")).getByRole("button", { name: "❤️ 1" })).toBeTruthy();
    expect(within(log).getByText("This message was deleted")).toBeTruthy();
    expect(await within(chats).findByRole("img", { name: "Pinned" })).toBeTruthy();
    expect(within(log).getAllByRole("article")).toHaveLength(4);
    expect(b.calls.some((c) => c.path === "/api/chats/c1/messages?afterSeq=3&limit=100")).toBe(true);
  });

  it("a chat event without me (removed from a group) takes the group away", async () => {
    const group = backend().newGroup("Family", ["bob"]);
    const { chats } = await openChat("Family");

    act(() => hub.handlers.chat!({ ...group, members: group.members.filter((m) => m.userId !== "me") }));

    await waitFor(() => expect(within(chats).queryByText("Family")).toBeNull());
    expect(screen.queryByRole("log", { name: "Messages" })).toBeNull();
  });

  it("a timer change by another member shows in the header", async () => {
    await openChat("Bob", "how are you?");

    act(() => hub.handlers.chat!({ ...backend().chats[0]!, messageTimer: 604800, settings: undefined }));

    expect(await screen.findByText(/Disappearing messages: 7 days/)).toBeTruthy();
  });
});
