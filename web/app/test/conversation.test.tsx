import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { articleOf, openChat, useSignedInBackend } from "./signedIn";

const backend = useSignedInBackend();

async function openBob() {
  return openChat("Bob", "how are you?");
}

async function act(user: Awaited<ReturnType<typeof openBob>>["user"], log: HTMLElement, text: string, item: string) {
  await user.click(within(articleOf(log, text)).getByRole("button", { name: "Message actions" }));
  await user.click(screen.getByRole("menuitem", { name: item }));
}

describe("a conversation", () => {
  it("replies: the composer shows the quote, the sent message shows the quoted preview", async () => {
    const { user, log } = await openBob();

    await act(user, log, "hi Ann", "Reply");
    expect(screen.getByText(/Replying to/).textContent).toContain("Bob");
    await user.keyboard("sure thing{Enter}"); // the text box has the focus

    const sent = (await within(log).findByText("sure thing")).closest("article")!;
    expect(within(sent).getByRole("button", { name: "Reply to Bob: hi Ann" })).toBeTruthy();
    expect(backend().calls.find((c) => c.path === "/api/chats/c1/messages" && c.method === "POST")?.body).toMatchObject({ text: "sure thing", replyToSeq: 2 });
    expect(screen.queryByText(/Replying to/)).toBeNull();
  });

  it("a send the service could not take (503) goes again by itself with the same clientMessageId", async () => {
    backend().control.failSends = 1;
    const { user, log } = await openBob();

    await user.type(screen.getByRole("textbox", { name: "Message" }), "are you there?{Enter}");

    await waitFor(() => expect(within(articleOf(log, "are you there?")).getByRole("status", { name: "Sent" })).toBeTruthy());
    const posts = backend().calls.filter((c) => c.path === "/api/chats/c1/messages" && c.method === "POST").map((c) => (c.body as { clientMessageId: string }).clientMessageId);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toBe(posts[1]);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("a refused send shows Not sent and goes again with the same clientMessageId on Retry", async () => {
    backend().control.failSends = 1;
    backend().control.failStatus = 403;
    const { user, log } = await openBob();

    await user.type(screen.getByRole("textbox", { name: "Message" }), "are you there?{Enter}");
    const article = (await within(log).findByText("are you there?")).closest("article")!;
    expect(await within(article).findByRole("status", { name: "Not sent" })).toBeTruthy();
    expect((await screen.findByRole("alert")).textContent).toContain("The send was refused.");

    await user.click(within(article).getByRole("button", { name: "Retry sending" }));

    await waitFor(() => expect(within(articleOf(log, "are you there?")).getByRole("status", { name: "Sent" })).toBeTruthy());
    const posts = backend().calls.filter((c) => c.path === "/api/chats/c1/messages" && c.method === "POST").map((c) => (c.body as { clientMessageId: string }).clientMessageId);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toBe(posts[1]);
    expect(within(log).getAllByText("are you there?")).toHaveLength(1);
  });

  it("Escape cancels a reply", async () => {
    const { user, log } = await openBob();

    await act(user, log, "hi Ann", "Reply");
    expect(screen.getByRole("button", { name: "Cancel reply" })).toBeTruthy();
    await user.keyboard("{Escape}");

    expect(screen.queryByRole("button", { name: "Cancel reply" })).toBeNull();
  });

  it("edits an own text message: the text changes and shows edited", async () => {
    backend().messages[0]!.sentAt = new Date(Date.now() - 60_000).toISOString();
    const { user, log } = await openBob();

    expect(within(articleOf(log, "how are you?")).queryByRole("button", { name: "Message actions" })).toBeTruthy();
    await user.click(within(articleOf(log, "how are you?")).getByRole("button", { name: "Message actions" }));
    expect(screen.queryByRole("menuitem", { name: "Edit" })).toBeNull(); // not mine
    await user.keyboard("{Escape}");

    await act(user, log, "hi Bob", "Edit");
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    expect(box.value).toBe("hi Bob");
    await user.clear(box);
    await user.type(box, "hi Bob!");
    await user.click(screen.getByRole("button", { name: "Send" }));

    const edited = (await within(log).findByText("hi Bob!")).closest("article")!;
    expect(within(edited).getByText(/edited/)).toBeTruthy();
    expect(within(edited).getByRole("status", { name: "Read" })).toBeTruthy();
    expect(backend().calls.find((c) => c.method === "PATCH")).toMatchObject({ path: "/api/chats/c1/messages/1", body: { text: "hi Bob!" } });
    expect(within(log).queryByText("hi Bob")).toBeNull();
  });

  it("Escape cancels an edit and empties the box", async () => {
    backend().messages[0]!.sentAt = new Date(Date.now() - 60_000).toISOString();
    const { user, log } = await openBob();

    await act(user, log, "hi Bob", "Edit");
    await user.keyboard("{Escape}");

    expect((screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement).value).toBe("");
    expect(backend().calls.some((c) => c.method === "PATCH")).toBe(false);
  });

  it("deletes an own message for everyone", async () => {
    const { user, log } = await openBob();

    await act(user, log, "hi Bob", "Delete for everyone");
    const confirm = screen.getByRole("dialog", { name: "Delete message?" });
    expect(backend().calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Delete for everyone" }));

    expect(await within(log).findByText("This message was deleted")).toBeTruthy();
    expect(within(log).queryByText("hi Bob")).toBeNull();
    expect(backend().calls.some((c) => c.method === "DELETE" && c.path === "/api/chats/c1/messages/1")).toBe(true);
  });

  it("a delete can be called off", async () => {
    const { user, log } = await openBob();

    await act(user, log, "hi Bob", "Delete for everyone");
    await user.click(within(screen.getByRole("dialog", { name: "Delete message?" })).getByRole("button", { name: "Close" }));

    expect(screen.queryByRole("dialog")).toBeNull();
    expect(within(log).getByText("hi Bob")).toBeTruthy();
    expect(backend().calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("reacts from the emoji set, shows the count, and toggles the own reaction off", async () => {
    backend().messages[1]!.reactions = [{ userId: "bob", emoji: "👍", at: "" }];
    const { user, log } = await openBob();
    const article = articleOf(log, "hi Ann");
    expect(within(article).getByRole("button", { name: "👍 1" })).toBeTruthy();

    await user.click(within(article).getByRole("button", { name: "React" }));
    await user.click(screen.getByRole("menuitem", { name: "React with 👍" }));

    const mine = await within(article).findByRole("button", { name: "👍 2, yours" });
    expect(mine.getAttribute("aria-pressed")).toBe("true");
    expect(backend().calls.find((c) => c.method === "PUT" && c.path.endsWith("/reactions/me"))).toMatchObject({ path: "/api/chats/c1/messages/2/reactions/me", body: { emoji: "👍" } });

    await user.click(mine);
    expect(await within(article).findByRole("button", { name: "👍 1" })).toBeTruthy();
    expect(backend().calls.some((c) => c.method === "DELETE" && c.path === "/api/chats/c1/messages/2/reactions/me")).toBe(true);
  });

  it("forwards a message to the picked chats", async () => {
    backend().newGroup("Family", ["bob"]);
    backend().newGroup("Work", ["carol"]);
    const { user, log, chats } = await openBob();

    await act(user, log, "how are you?", "Forward");
    const dialog = screen.getByRole("dialog", { name: "Forward message" });
    await user.click(within(dialog).getByRole("checkbox", { name: "Family" }));
    await user.click(within(dialog).getByRole("checkbox", { name: "Work" }));
    await user.click(within(dialog).getByRole("button", { name: "Send forward" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const call = backend().calls.find((c) => c.path.endsWith("/forward"))!;
    expect(call.path).toBe("/api/chats/c1/messages/3/forward");
    expect(call.body).toMatchObject({ chatIds: ["g1", "g2"] });
    const family = within(chats).getByText("Family").closest("li")!;
    expect(within(family).getByText(/how are you\?/)).toBeTruthy();

    await user.click(within(chats).getByText("Family"));
    const forwarded = (await within(await screen.findByRole("log", { name: "Messages" })).findByText("how are you?")).closest("article")!;
    expect(within(forwarded).getByText(/Forwarded/)).toBeTruthy();
  });

  it("searches in the chat and jumps to a result", async () => {
    const { user, log } = await openBob();

    await user.click(screen.getByRole("button", { name: "Search messages" }));
    await user.type(screen.getByRole("searchbox", { name: "Search in chat" }), "hi");
    await user.click(screen.getByRole("button", { name: "Search" }));

    const results = await screen.findByRole("list", { name: "Search results" });
    expect(within(results).getAllByRole("listitem").map((li) => li.querySelector(".result-text")!.textContent)).toEqual(["hi Ann", "hi Bob"]);
    expect(backend().calls.find((c) => c.path.startsWith("/api/chats/c1/messages/search"))?.path).toBe("/api/chats/c1/messages/search?q=hi");

    await user.click(within(results).getByText("hi Bob"));
    await waitFor(() => expect(articleOf(log, "hi Bob").classList.contains("highlight")).toBe(true));
  });

  it("more search results continue below the last one", async () => {
    const b = backend();
    b.messages.splice(0, b.messages.length, ...Array.from({ length: 30 }, (_, i) => b.message(i + 1, "bob", `pizza ${i + 1}`)));
    const { user } = await openChat("Bob", "pizza 30");

    await user.click(screen.getByRole("button", { name: "Search messages" }));
    await user.type(screen.getByRole("searchbox", { name: "Search in chat" }), "pizza{Enter}");
    const results = await screen.findByRole("list", { name: "Search results" });
    await waitFor(() => expect(within(results).getAllByRole("listitem")).toHaveLength(20));
    await user.click(screen.getByRole("button", { name: "More results" }));

    await waitFor(() => expect(within(results).getAllByRole("listitem")).toHaveLength(30));
    expect(b.calls.filter((c) => c.path.includes("/search")).map((c) => c.path)).toEqual(["/api/chats/c1/messages/search?q=pizza", "/api/chats/c1/messages/search?q=pizza&beforeSeq=11"]);
    expect(screen.queryByRole("button", { name: "More results" })).toBeNull();
  });

  it("a search result further back loads older pages with beforeSeq until it is shown", async () => {
    const b = backend();
    b.messages.splice(0, b.messages.length, ...Array.from({ length: 120 }, (_, i) => b.message(i + 1, i % 2 ? "bob" : "me", i === 4 ? "the needle" : `m ${i + 1}`)));
    const { user, log } = await openChat("Bob", "m 120");
    expect(within(log).queryByText("the needle")).toBeNull();

    await user.click(screen.getByRole("button", { name: "Search messages" }));
    await user.type(screen.getByRole("searchbox", { name: "Search in chat" }), "needle{Enter}");
    await user.click(await within(await screen.findByRole("list", { name: "Search results" })).findByText("the needle"));

    await waitFor(() => expect(articleOf(log, "the needle").classList.contains("highlight")).toBe(true));
    expect(b.calls.filter((c) => c.path.includes("beforeSeq")).map((c) => c.path)).toEqual([
      "/api/chats/c1/messages?beforeSeq=71&limit=50", "/api/chats/c1/messages?beforeSeq=21&limit=50",
    ]);
  });

  it("scrolled to the top, the older page loads with beforeSeq; at the first message no more", async () => {
    const b = backend();
    b.messages.splice(0, b.messages.length, ...Array.from({ length: 60 }, (_, i) => b.message(i + 1, "bob", `line ${i + 1}`)));
    const { log } = await openChat("Bob", "line 60");
    expect(within(log).queryByText("line 10")).toBeNull();
    expect(screen.getByRole("button", { name: "Load older messages" })).toBeTruthy();

    log.scrollTop = 0;
    fireEvent.scroll(log);

    expect(await within(log).findByText("line 10")).toBeTruthy();
    expect(b.calls.filter((c) => c.path.includes("beforeSeq")).map((c) => c.path)).toEqual(["/api/chats/c1/messages?beforeSeq=11&limit=50"]);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Load older messages" })).toBeNull());
    expect(within(log).getAllByRole("article")).toHaveLength(60);
  });

  it("separates days: Today, Yesterday, and older dates", async () => {
    const b = backend();
    const day = 86_400_000;
    b.messages[0]!.sentAt = new Date(Date.now() - 10 * day).toISOString();
    b.messages[1]!.sentAt = new Date(Date.now() - day).toISOString();
    b.messages[2]!.sentAt = new Date().toISOString();
    const { log } = await openBob();

    const separators = within(log).getAllByRole("separator").map((s) => s.getAttribute("aria-label"));
    expect(separators).toHaveLength(3);
    expect(separators.slice(1)).toEqual(["Yesterday", "Today"]);
    expect(separators[0]).toMatch(/\d/);
  });

  it("in a group, Message info lists each member's receipts", async () => {
    const b = backend();
    const group = b.newGroup("Family", ["bob", "carol"]);
    b.history[group.chatId] = [b.message(1, "me", "dinner at 8", "delivered", group.chatId)];
    const { user, log } = await openChat("Family", "dinner at 8");

    await act(user, log, "dinner at 8", "Message info");

    const dialog = screen.getByRole("dialog", { name: "Message info" });
    const receipts = await within(dialog).findByRole("list", { name: "Receipts" });
    await waitFor(() => expect(within(receipts).getByText("Bob").closest("li")!.textContent).toMatch(/Read/));
    expect(within(receipts).getByText("Carol").closest("li")!.textContent).toMatch(/Delivered/);
    expect(b.calls.some((c) => c.path === "/api/chats/g1/messages/1/receipts")).toBe(true);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("sets the disappearing-messages timer and shows it in the header", async () => {
    const { user } = await openBob();

    await user.selectOptions(screen.getByRole("combobox", { name: "Disappearing messages" }), "86400");

    expect(await screen.findByText(/Disappearing messages: 24 hours/)).toBeTruthy();
    expect(backend().calls.find((c) => c.path === "/api/chats/c1/timer")?.body).toEqual({ seconds: 86400 });
  });

  it("blocks the contact: blocked shown, composer disabled with a note; unblocks", async () => {
    const { user } = await openBob();

    await user.click(screen.getByRole("button", { name: "Block contact" }));

    expect(await screen.findByText("Blocked")).toBeTruthy();
    expect(screen.getByText(/You blocked this contact/)).toBeTruthy();
    expect((screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement).disabled).toBe(true);
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
    expect(backend().calls.some((c) => c.method === "PUT" && c.path === "/api/users/me/blocked/bob")).toBe(true);

    await user.click(screen.getByRole("button", { name: "Unblock contact" }));
    await waitFor(() => expect((screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement).disabled).toBe(false));
  });

  it("a contact blocked earlier shows as blocked when the chat opens", async () => {
    backend().blocked.add("bob");
    await openBob();

    expect(await screen.findByText("Blocked")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Unblock contact" })).toBeTruthy();
  });
});
