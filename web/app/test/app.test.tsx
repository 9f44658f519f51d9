import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "../src/App";
import { fakeBackend } from "./fakeBackend";

let backend: ReturnType<typeof fakeBackend>;

beforeEach(() => {
  sessionStorage.clear();
  backend = fakeBackend();
  vi.stubGlobal("fetch", backend.fetch);
  vi.stubGlobal("XMLHttpRequest", backend.XMLHttpRequest);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function signUp() {
  const user = userEvent.setup();
  render(<App />);
  await user.click(screen.getByRole("button", { name: "Create account" }));
  await user.type(screen.getByRole("textbox", { name: "Phone number" }), "+14155550101");
  await user.type(screen.getByRole("textbox", { name: "Display name" }), "Ann");
  await user.type(screen.getByRole("textbox", { name: "Password" }), "correct-horse-1");
  await user.click(screen.getByRole("button", { name: "Create account" }));
  return user;
}

describe("the web app", () => {
  it("signs up, verifies with the code and lands signed in on the chat list", async () => {
    const user = await signUp();

    await user.type(await screen.findByRole("textbox", { name: "Verification code" }), "123456");
    await user.click(screen.getByRole("button", { name: "Verify" }));

    const chats = await screen.findByRole("list", { name: "Chats" });
    expect(backend.calls.find((c) => c.path === "/api/auth/verify")?.body).toMatchObject({ code: "123456", registrationId: "reg-1" });
    const item = await within(chats).findByText("Bob");
    expect(within(item.closest("li")!).getByLabelText("2 unread")).toBeTruthy();
  });

  it("shows a wrong code as an error and stays on the code step", async () => {
    const user = await signUp();

    await user.type(await screen.findByRole("textbox", { name: "Verification code" }), "000000");
    await user.click(screen.getByRole("button", { name: "Verify" }));

    expect((await screen.findByRole("alert")).textContent).toContain("The code is wrong.");
    expect(screen.getByRole("textbox", { name: "Verification code" })).toBeTruthy();
  });

  it("signs in, opens a chat, reads it, and sends a message that shows once with its status", async () => {
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByRole("textbox", { name: "Phone number" }), "+14155550101");
    await user.type(screen.getByRole("textbox", { name: "Password" }), "correct-horse-1");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    await user.click(await within(await screen.findByRole("list", { name: "Chats" })).findByText("Bob"));
    const log = await screen.findByRole("log", { name: "Messages" });
    await within(log).findByText("how are you?");
    expect(within(within(log).getByText("hi Bob").closest("article")!).getByRole("status", { name: "Read" })).toBeTruthy();
    await waitFor(() => expect(backend.calls.some((c) => c.path === "/api/chats/c1/receipts" && (c.body as { type: string }).type === "read")).toBe(true));
    expect(screen.queryByLabelText("2 unread")).toBeNull();
    expect(await screen.findByText("online")).toBeTruthy();

    await user.type(screen.getByRole("textbox", { name: "Message" }), "fine, thanks");
    await user.click(screen.getByRole("button", { name: "Send" }));

    const sent = await within(log).findByText("fine, thanks");
    await waitFor(() => expect(within(sent.closest("article")!).getByRole("status", { name: "Sent" })).toBeTruthy());
    expect(within(log).getAllByText("fine, thanks")).toHaveLength(1);
    expect(backend.calls.filter((c) => c.path === "/api/chats/c1/messages" && c.method === "POST")[0]?.auth).toBe("Bearer a1");
  });

  it("starts a direct chat from a phone number", async () => {
    sessionStorage.setItem("chat.tokens", JSON.stringify({ userId: "me", accessToken: "a1", refreshToken: "r1", expiresIn: 900, expiresAt: Date.now() + 900_000 }));
    const user = userEvent.setup();
    render(<App />);

    await user.click(await screen.findByRole("button", { name: "New chat" }));
    await user.type(screen.getByRole("textbox", { name: "Phone number" }), "+14155550102");
    await user.click(screen.getByRole("button", { name: "Start chat" }));

    expect(await screen.findByRole("log", { name: "Messages" })).toBeTruthy();
    expect(backend.calls.find((c) => c.path === "/api/users/lookup")?.body).toEqual({ phoneNumbers: ["+14155550102"] });
    expect(backend.calls.find((c) => c.path === "/api/chats/direct")?.body).toEqual({ userId: "bob" });
    expect(screen.getByRole("button", { name: "Attach" })).toBeTruthy();
    expect(screen.getByLabelText("Attach file")).toBeTruthy();
  });

  it("sends a picture through the file input and shows it, fetched with the token", async () => {
    sessionStorage.setItem("chat.tokens", JSON.stringify({ userId: "me", accessToken: "a1", refreshToken: "r1", expiresIn: 900, expiresAt: Date.now() + 900_000 }));
    const user = userEvent.setup();
    render(<App />);
    await user.click(await within(await screen.findByRole("list", { name: "Chats" })).findByText("Bob"));
    const log = await screen.findByRole("log", { name: "Messages" });

    await user.upload(screen.getByLabelText("Attach file"), new File([new Uint8Array([137, 80, 78, 71])], "cat.png", { type: "image/png" }));

    const image = await within(log).findByRole("img", { name: "cat.png" });
    expect(image.getAttribute("src")).toMatch(/^blob:/);
    const put = backend.calls.find((c) => c.method === "PUT");
    expect(put?.path).toBe("/media/m1?sig=1");
    expect(backend.calls.find((c) => c.path === "/api/media/m1")?.auth).toBe("Bearer a1");
    expect(backend.calls.find((c) => c.path === "/api/chats/c1/messages" && c.method === "POST")?.body).toMatchObject({ type: "image", mediaId: "m1" });
  });
});
