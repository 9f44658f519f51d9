import { afterEach, beforeEach, vi } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createElement } from "react";
import { App } from "../src/App";
import { fakeBackend } from "./fakeBackend";

/** Each test: a fresh fake backend behind fetch and XMLHttpRequest, and a signed-in session. Returns a getter for it. */
export function useSignedInBackend() {
  let backend: ReturnType<typeof fakeBackend> | undefined;
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
    history.replaceState(null, "", "/");
  });
  return () => backend!;
}

export async function renderApp() {
  const user = userEvent.setup();
  render(createElement(App));
  const chats = await screen.findByRole("list", { name: "Chats" });
  return { user, chats };
}

/** Renders the app and opens the chat of that name; returns the log once its last message shows. */
export async function openChat(name: string, lastText?: string) {
  const { user, chats } = await renderApp();
  await user.click(await within(chats).findByText(name));
  const log = await screen.findByRole("log", { name: "Messages" });
  if (lastText) {
    await within(log).findByText(lastText);
  }
  return { user, log, chats };
}

/** The article of the message with that text. */
export function articleOf(log: HTMLElement, text: string): HTMLElement {
  return within(log).getByText(text).closest("article")!;
}
