import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { renderApp, useSignedInBackend } from "./signedIn";

const backend = useSignedInBackend();

/** The "Chat actions" menu button in the list item of that chat. */
const actionsOf = (list: HTMLElement, name: string) => within(within(list).getByText(name).closest("li")!).getByRole("button", { name: "Chat actions" });

describe("the chat list", () => {
  it("shows the last message and its time, and the unread badge", async () => {
    const { chats } = await renderApp();
    const item = (await within(chats).findByText("Bob")).closest("li")!;

    expect(within(item).getByText("how are you?")).toBeTruthy();
    expect(item.querySelector("time")?.getAttribute("dateTime")).toBe(backend().messages.at(-1)!.sentAt);
    expect(within(item).getByLabelText("2 unread")).toBeTruthy();
  });

  it("pins a chat: sorted first with a pin; unpins it", async () => {
    const b = backend();
    const group = b.newGroup("Family", ["bob"]);
    group.lastMessage = { ...b.message(1, "bob", "dinner?", "sent", group.chatId), sentAt: "2026-01-01T00:00:00.000Z" };
    const { user, chats } = await renderApp();
    await within(chats).findByText("Family");
    const names = () => within(chats).getAllByRole("listitem").map((li) => li.querySelector(".chat-name")!.textContent);
    expect(names()).toEqual(["Bob", "Family"]);

    await user.click(actionsOf(chats, "Family"));
    await user.click(screen.getByRole("menuitem", { name: "Pin" }));

    await waitFor(() => expect(names()).toEqual(["Family📌", "Bob"]));
    expect(b.calls.find((c) => c.method === "PATCH")).toMatchObject({ path: "/api/chats/g1/settings", body: { pinned: true } });
    expect(within(chats).getByRole("img", { name: "Pinned" })).toBeTruthy();

    await user.click(actionsOf(chats, "Family"));
    await user.click(screen.getByRole("menuitem", { name: "Unpin" }));
    await waitFor(() => expect(within(chats).queryByRole("img", { name: "Pinned" })).toBeNull());
  });

  it("archives a chat under the Archived toggle, and unarchives it", async () => {
    const { user, chats } = await renderApp();
    await within(chats).findByText("Bob");

    await user.click(actionsOf(chats, "Bob"));
    await user.click(screen.getByRole("menuitem", { name: "Archive" }));

    await waitFor(() => expect(within(chats).queryByText("Bob")).toBeNull());
    const toggle = screen.getByRole("button", { name: "Archived (1)" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await user.click(toggle);
    const archived = screen.getByRole("list", { name: "Archived conversations" });
    expect(within(archived).getByText("Bob")).toBeTruthy();

    await user.click(actionsOf(archived, "Bob"));
    await user.click(screen.getByRole("menuitem", { name: "Unarchive" }));
    expect(await within(chats).findByText("Bob")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Archived/ })).toBeNull();
  });

  it("an archived chat loads from ?archived=true and stays out of Chats", async () => {
    backend().chats[0]!.settings!.archived = true;
    await renderApp();

    expect(await screen.findByRole("button", { name: "Archived (1)" })).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "Chats" })).queryByText("Bob")).toBeNull();
    expect(backend().calls.some((c) => c.path === "/api/chats?archived=true")).toBe(true);
  });

  it("mutes a chat (an icon, mutedUntil in the future) and unmutes it, by keyboard", async () => {
    const { user, chats } = await renderApp();
    await within(chats).findByText("Bob");

    actionsOf(chats, "Bob").focus();
    await user.keyboard("{Enter}");
    expect(document.activeElement?.textContent).toBe("Pin"); // focus moves into the menu
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(document.activeElement?.textContent).toBe("Mute for 8 hours");
    await user.keyboard("{Enter}");

    expect(await within(chats).findByRole("img", { name: "Muted" })).toBeTruthy();
    const until = (backend().calls.find((c) => c.method === "PATCH")!.body as { mutedUntil: string }).mutedUntil;
    expect(Date.parse(until)).toBeGreaterThan(Date.now() + 7 * 3_600_000);

    await user.click(actionsOf(chats, "Bob"));
    await user.click(screen.getByRole("menuitem", { name: "Unmute" }));
    await waitFor(() => expect(within(chats).queryByRole("img", { name: "Muted" })).toBeNull());
    expect(backend().calls.filter((c) => c.method === "PATCH").at(-1)!.body).toEqual({ mutedUntil: null });
  });

  it("Escape closes a menu and gives focus back to its button", async () => {
    const { user, chats } = await renderApp();
    await within(chats).findByText("Bob");
    const button = actionsOf(chats, "Bob");

    await user.click(button);
    expect(screen.getByRole("menu")).toBeTruthy();
    await user.keyboard("{Escape}");

    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});
