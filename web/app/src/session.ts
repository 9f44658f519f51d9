import { ChatClient, type StoredTokens } from "@chat/sdk";

const KEY = "chat.tokens";

/** The one API client of the page; its tokens live in sessionStorage, so a reload stays signed in. */
export function createClient(): ChatClient {
  const client = new ChatClient({
    baseUrl: import.meta.env.VITE_API_BASE_URL ?? "",
    onTokens: (tokens) => (tokens ? sessionStorage.setItem(KEY, JSON.stringify(tokens)) : sessionStorage.removeItem(KEY)),
  });
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    try {
      client.setTokens(JSON.parse(saved) as StoredTokens);
    } catch {
      sessionStorage.removeItem(KEY);
    }
  }
  return client;
}

/** Served by the local host (or the Vite dev server beside it): the local-only routes exist. */
export const isLocal = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
