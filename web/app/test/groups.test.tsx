import { describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../src/App";
import { openChat, renderApp, useSignedInBackend } from "./signedIn";

const backend = useSignedInBackend();

describe("groups", () => {
  it("creates a group from a name and members' phone numbers, and opens it", async () => {
    const { user, chats } = await renderApp();

    await user.click(screen.getByRole("button", { name: "New group" }));
    await user.type(screen.getByRole("textbox", { name: "Group name" }), "Family");
    await user.type(screen.getByRole("textbox", { name: "Member phone numbers" }), "+14155550102, +14155550103");
    await user.click(screen.getByRole("button", { name: "Create group" }));

    expect(await screen.findByRole("log", { name: "Messages" })).toBeTruthy();
    expect(backend().calls.find((c) => c.path === "/api/users/lookup")?.body).toEqual({ phoneNumbers: ["+14155550102", "+14155550103"] });
    expect(backend().calls.find((c) => c.path === "/api/groups")?.body).toEqual({ name: "Family", memberIds: ["bob", "carol"] });
    expect(within(chats).getByText("Family")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Family" })).toBeTruthy();
    expect(screen.getByText("3 members")).toBeTruthy();
  });

  it("an unknown number is refused before any group is made", async () => {
    const { user } = await renderApp();

    await user.click(screen.getByRole("button", { name: "New group" }));
    await user.type(screen.getByRole("textbox", { name: "Group name" }), "Family");
    await user.type(screen.getByRole("textbox", { name: "Member phone numbers" }), "+19999999999");
    await user.click(screen.getByRole("button", { name: "Create group" }));

    expect((await screen.findByRole("alert")).textContent).toContain("No account uses +19999999999");
    expect(backend().calls.some((c) => c.path === "/api/groups")).toBe(false);
  });

  it("the group info panel lists members and roles; an admin adds, promotes and removes members and makes an invite link", async () => {
    backend().newGroup("Family", ["bob"]);
    const { user } = await openChat("Family");

    await user.click(screen.getByRole("button", { name: "Group info" }));
    const panel = screen.getByRole("complementary", { name: "Group info" });
    const members = within(panel).getByRole("list", { name: "Members" });
    await within(members).findByText("Bob");
    expect(within(within(members).getByText("You").closest("li")!).getByText("Admin")).toBeTruthy();

    await user.type(within(panel).getByRole("textbox", { name: "Numbers of new members" }), "+14155550103");
    await user.click(within(panel).getByRole("button", { name: "Add members" }));
    expect(await within(members).findByText("Carol")).toBeTruthy();
    expect(backend().calls.find((c) => c.path === "/api/groups/g1/members")?.body).toEqual({ userIds: ["carol"] });

    await user.click(within(panel).getByRole("button", { name: "Make Bob admin" }));
    await waitFor(() => expect(within(within(members).getByText("Bob").closest("li")!).getByText("Admin")).toBeTruthy());

    await user.click(within(panel).getByRole("button", { name: "Remove Carol" }));
    await waitFor(() => expect(within(members).queryByText("Carol")).toBeNull());
    expect(backend().calls.some((c) => c.method === "DELETE" && c.path === "/api/groups/g1/members/carol")).toBe(true);

    await user.click(within(panel).getByRole("button", { name: "Create invite link" }));
    const link = await within(panel).findByRole("textbox", { name: "Invite link" });
    expect((link as HTMLInputElement).value).toBe(`${location.origin}/join/code1`);
    await user.click(within(panel).getByRole("button", { name: "Copy invite link" }));
    expect(await navigator.clipboard.readText()).toBe(`${location.origin}/join/code1`); // user-event's clipboard stub
    expect(await within(panel).findByText("Copied")).toBeTruthy();

    await user.click(within(panel).getByRole("button", { name: "Reset invite link" }));
    await waitFor(() => expect((link as HTMLInputElement).value).toBe(`${location.origin}/join/code2`));
  });

  it("an admin renames the group and sets its description", async () => {
    backend().newGroup("Family", ["bob"]);
    const { user, chats } = await openChat("Family");

    await user.click(screen.getByRole("button", { name: "Group info" }));
    const panel = screen.getByRole("complementary", { name: "Group info" });
    const name = within(panel).getByRole("textbox", { name: "Rename group" });
    await user.clear(name);
    await user.type(name, "The Family");
    await user.type(within(panel).getByRole("textbox", { name: "Description" }), "Sundays");
    await user.click(within(panel).getByRole("button", { name: "Save group details" }));

    expect(await within(chats).findByText("The Family")).toBeTruthy();
    expect(backend().calls.find((c) => c.method === "PATCH" && c.path === "/api/groups/g1")?.body).toEqual({ name: "The Family", description: "Sundays" });
    expect(within(panel).getByText("Sundays", { selector: "p" })).toBeTruthy();
  });

  it("a member sees no admin controls, and leaving removes the group", async () => {
    const group = backend().newGroup("Club", ["bob"]);
    group.members = group.members.map((m) => ({ ...m, role: m.userId === "me" ? "member" : "admin" }));
    const { user, chats } = await openChat("Club");

    await user.click(screen.getByRole("button", { name: "Group info" }));
    const panel = screen.getByRole("complementary", { name: "Group info" });
    expect(within(panel).queryByRole("button", { name: "Add members" })).toBeNull();
    expect(within(panel).queryByRole("textbox", { name: "Rename group" })).toBeNull();
    expect(within(panel).queryByRole("button", { name: "Create invite link" })).toBeNull();
    expect(within(panel).queryByRole("button", { name: /^Remove/ })).toBeNull();

    await user.click(within(panel).getByRole("button", { name: "Leave group" }));
    await waitFor(() => expect(within(chats).queryByText("Club")).toBeNull());
    expect(screen.queryByRole("log", { name: "Messages" })).toBeNull();
    expect(backend().calls.some((c) => c.path === "/api/groups/g1/leave")).toBe(true);
  });

  it("joins a group with a pasted invite link", async () => {
    const b = backend();
    const group = b.newGroup("Choir", ["bob"]);
    group.members = group.members.filter((m) => m.userId !== "me"); // not a member yet: not listed
    await b.fetch("/api/groups/g1/invite", { method: "POST" }); // Bob made the invite
    const { user, chats } = await renderApp();
    await within(chats).findByText("Bob");
    expect(within(chats).queryByText("Choir")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Join group" }));

    await user.type(screen.getByRole("textbox", { name: "Invite link or code" }), "https://chat.example/join/code1");
    await user.click(screen.getByRole("button", { name: "Join" }));

    expect(await screen.findByRole("log", { name: "Messages" })).toBeTruthy();
    expect(b.calls.find((c) => c.path === "/api/groups/join")?.body).toEqual({ inviteCode: "code1" });
    expect(within(chats).getByText("Choir")).toBeTruthy();
  });

  it("a /join/{code} address opens the join form with the code filled in", async () => {
    history.replaceState(null, "", "/join/abc123");
    const user = userEvent.setup();
    render(<App />);

    const input = await screen.findByRole("textbox", { name: "Invite link or code" });
    expect((input as HTMLInputElement).value).toBe("abc123");
    await user.click(screen.getByRole("button", { name: "Join" }));

    expect((await screen.findByRole("alert")).textContent).toContain("No route.");
    expect(backend().calls.find((c) => c.path === "/api/groups/join")?.body).toEqual({ inviteCode: "abc123" });
  });
});
