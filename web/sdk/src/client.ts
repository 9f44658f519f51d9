import { ApiError } from "./errors";
import type {
  ChatSettingsChange, ForwardResult, InviteCode, MessageReceipt, MessageTimer, ReactionsResult, UploadProgress,
} from "./featureTypes";
import type {
  Chat, ChatPage, Message, MessagePage, Presence, Registration, SearchPage, SendMessage, Session, Tokens, UploadTicket, User,
} from "./types";

export interface ChatClientOptions {
  /** Origin of the API, e.g. `http://127.0.0.1:7071`; empty for the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** Refresh the access token this many seconds before it expires. */
  refreshMarginSeconds?: number;
  /** Called whenever the tokens change (sign-in, refresh, sign-out), e.g. to keep them in storage. */
  onTokens?: (tokens: StoredTokens | null) => void;
  /** Waits between retries of a refresh; tests pass a fake one that moves their clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Makes the request that PUTs an upload when its progress is asked for; defaults to `XMLHttpRequest` where there is one. */
  createXhr?: () => XMLHttpRequest;
}

/** A retried refresh gets the same pair only within 10 s of the first (API.md): retries start within
 * 8 s of the first try, leaving 2 s for their own trip. */
const REFRESH_RETRY_WINDOW_MS = 8_000;
const REFRESH_RETRY_DELAYS = [500, 1500, 3000];

/** Tokens with the absolute expiry of the access token (ms since the epoch). */
export interface StoredTokens extends Tokens {
  expiresAt: number;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  anonymous?: boolean;
}

/** A typed client of the chat API (API.md v1.1) over `fetch`. */
export class ChatClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly marginMs: number;
  private readonly onTokens?: (tokens: StoredTokens | null) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private current: StoredTokens | null = null;
  private refreshing: Promise<StoredTokens> | null = null;
  private readonly createXhr?: () => XMLHttpRequest;

  constructor(options: ChatClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "").replace(/\/$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
    this.onTokens = options.onTokens;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.createXhr = options.createXhr ?? (typeof XMLHttpRequest === "undefined" ? undefined : () => new XMLHttpRequest());
  }

  get tokens(): StoredTokens | null {
    return this.current;
  }

  get userId(): string | undefined {
    return this.current?.userId;
  }

  /** Restores tokens kept from an earlier session (or clears them with null). */
  setTokens(tokens: StoredTokens | null): void {
    this.current = tokens;
    this.onTokens?.(tokens);
  }

  // Auth

  register(phoneNumber: string, displayName: string, password: string): Promise<Registration> {
    return this.request("POST", "/api/auth/register", { body: { phoneNumber, displayName, password }, anonymous: true });
  }

  verify(phoneNumber: string, code: string, registrationId?: string): Promise<User> {
    return this.request("POST", "/api/auth/verify", { body: { phoneNumber, code, registrationId }, anonymous: true });
  }

  async login(phoneNumber: string, password: string, deviceName?: string): Promise<StoredTokens> {
    const tokens = await this.request<Tokens>("POST", "/api/auth/login", { body: { phoneNumber, password, deviceName }, anonymous: true });
    return this.keep(tokens);
  }

  /** Rotates the refresh token; concurrent callers share one request. */
  refresh(): Promise<StoredTokens> {
    const refreshToken = this.current?.refreshToken;
    if (!refreshToken) {
      return Promise.reject(new Error("Not signed in."));
    }

    this.refreshing ??= this.rotate(refreshToken)
      .then((tokens) => this.keep(tokens))
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          this.setTokens(null);
        }
        throw error;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /**
   * `POST /api/auth/refresh`, retried with the same token after a network error or 5xx while the retry
   * starts within 8 s of the first try: the API answers a refresh retried within 10 s with the same new
   * pair, and takes a later reuse for theft and revokes the whole session (API.md).
   */
  private async rotate(refreshToken: string): Promise<Tokens> {
    const first = this.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request<Tokens>("POST", "/api/auth/refresh", { body: { refreshToken }, anonymous: true });
      } catch (error) {
        const transient = error instanceof TypeError || (error instanceof ApiError && error.status >= 500);
        const wait = REFRESH_RETRY_DELAYS[attempt];
        if (!transient || wait === undefined || this.now() + wait - first >= REFRESH_RETRY_WINDOW_MS) {
          throw error;
        }
        await this.sleep(wait);
      }
    }
  }

  async logout(): Promise<void> {
    const refreshToken = this.current?.refreshToken;
    try {
      if (refreshToken) {
        await this.request("POST", "/api/auth/logout", { body: { refreshToken } });
      }
    } finally {
      this.setTokens(null);
    }
  }

  /** A valid access token, refreshed first when it expires within the margin. */
  async accessToken(): Promise<string> {
    const tokens = this.current;
    if (!tokens) {
      throw new Error("Not signed in.");
    }

    return tokens.expiresAt - this.now() > this.marginMs ? tokens.accessToken : (await this.refresh()).accessToken;
  }

  // Users and presence

  me(): Promise<User> {
    return this.request("GET", "/api/users/me");
  }

  user(userId: string): Promise<User> {
    return this.request("GET", `/api/users/${encodeURIComponent(userId)}`);
  }

  lookup(phoneNumbers: string[]): Promise<User[]> {
    return this.request("POST", "/api/users/lookup", { body: { phoneNumbers } });
  }

  heartbeat(): Promise<void> {
    return this.request("POST", "/api/presence/heartbeat");
  }

  presence(userIds: string[]): Promise<Presence[]> {
    return this.request("GET", "/api/presence", { query: { userIds: userIds.join(",") } });
  }

  // Chats

  listChats(options: { limit?: number; cursor?: string; archived?: boolean } = {}): Promise<ChatPage> {
    return this.request("GET", "/api/chats", { query: options });
  }

  chat(chatId: string): Promise<Chat> {
    return this.request("GET", `/api/chats/${encodeURIComponent(chatId)}`);
  }

  openDirect(userId: string): Promise<Chat> {
    return this.request("POST", "/api/chats/direct", { body: { userId } });
  }

  createGroup(name: string, memberIds: string[]): Promise<Chat> {
    return this.request("POST", "/api/groups", { body: { name, memberIds } });
  }

  updateGroup(chatId: string, change: { name?: string; description?: string }): Promise<Chat> {
    return this.request("PATCH", groupPath(chatId), { body: change });
  }

  addMembers(chatId: string, userIds: string[]): Promise<Chat> {
    return this.request("POST", `${groupPath(chatId)}/members`, { body: { userIds } });
  }

  /** Removes a member (an admin), or the caller itself. */
  removeMember(chatId: string, userId: string): Promise<void> {
    return this.request("DELETE", `${groupPath(chatId)}/members/${encodeURIComponent(userId)}`);
  }

  makeAdmin(chatId: string, userId: string): Promise<Chat> {
    return this.request("POST", `${groupPath(chatId)}/admins/${encodeURIComponent(userId)}`);
  }

  /** A new invite code; the old one stops working. */
  createInvite(chatId: string): Promise<InviteCode> {
    return this.request("POST", `${groupPath(chatId)}/invite`);
  }

  joinGroup(inviteCode: string): Promise<Chat> {
    return this.request("POST", "/api/groups/join", { body: { inviteCode } });
  }

  leaveGroup(chatId: string): Promise<void> {
    return this.request("POST", `${groupPath(chatId)}/leave`);
  }

  /** The caller's own view: muted until, pinned, archived. */
  updateSettings(chatId: string, change: ChatSettingsChange): Promise<Chat> {
    return this.request("PATCH", `${chatPath(chatId)}/settings`, { body: change });
  }

  /** Disappearing messages: 0 (off), 24 hours, 7 days or 90 days, in seconds. */
  setTimer(chatId: string, seconds: MessageTimer): Promise<Chat> {
    return this.request("PUT", `${chatPath(chatId)}/timer`, { body: { seconds } });
  }

  // Blocking and sessions

  block(userId: string): Promise<void> {
    return this.request("PUT", `/api/users/me/blocked/${encodeURIComponent(userId)}`);
  }

  unblock(userId: string): Promise<void> {
    return this.request("DELETE", `/api/users/me/blocked/${encodeURIComponent(userId)}`);
  }

  blocked(): Promise<User[]> {
    return this.request("GET", "/api/users/me/blocked");
  }

  sessions(): Promise<Session[]> {
    return this.request("GET", "/api/users/me/sessions");
  }

  endSession(sessionId: string): Promise<void> {
    return this.request("DELETE", `/api/users/me/sessions/${encodeURIComponent(sessionId)}`);
  }

  // Messages

  send(chatId: string, message: SendMessage): Promise<Message> {
    return this.request("POST", `${chatPath(chatId)}/messages`, { body: message });
  }

  sendText(chatId: string, text: string, clientMessageId: string = newClientMessageId()): Promise<Message> {
    return this.send(chatId, { clientMessageId, type: "text", text });
  }

  messages(chatId: string, page: { beforeSeq?: number; afterSeq?: number; limit?: number } = {}): Promise<MessagePage> {
    return this.request("GET", `${chatPath(chatId)}/messages`, { query: page });
  }

  /** Every message above `afterSeq`, page by page: the catch-up after a reconnect. */
  async messagesAfter(chatId: string, afterSeq: number, limit = 100): Promise<Message[]> {
    const all: Message[] = [];
    for (let cursor = afterSeq; ;) {
      const page = await this.messages(chatId, { afterSeq: cursor, limit });
      all.push(...page.messages);
      const last = page.messages.at(-1);
      if (!page.hasMore || !last) {
        return all;
      }
      cursor = last.seq;
    }
  }

  receipt(chatId: string, type: "delivered" | "read", upToSeq: number): Promise<void> {
    return this.request("POST", `${chatPath(chatId)}/receipts`, { body: { type, upToSeq } });
  }

  typing(chatId: string): Promise<void> {
    return this.request("POST", `${chatPath(chatId)}/typing`);
  }

  deleteMessage(chatId: string, seq: number): Promise<void> {
    return this.request("DELETE", `${chatPath(chatId)}/messages/${seq}`);
  }

  editMessage(chatId: string, seq: number, text: string): Promise<Message> {
    return this.request("PATCH", `${chatPath(chatId)}/messages/${seq}`, { body: { text } });
  }

  /** Sets the caller's one reaction (replacing an earlier one). */
  react(chatId: string, seq: number, emoji: string): Promise<ReactionsResult> {
    return this.request("PUT", `${chatPath(chatId)}/messages/${seq}/reactions/me`, { body: { emoji } });
  }

  unreact(chatId: string, seq: number): Promise<void> {
    return this.request("DELETE", `${chatPath(chatId)}/messages/${seq}/reactions/me`);
  }

  /** Forwards a message to 1..5 chats; a retry with the same `clientMessageId` sends nothing twice. */
  forward(chatId: string, seq: number, chatIds: string[], clientMessageId: string = newClientMessageId()): Promise<ForwardResult> {
    return this.request("POST", `${chatPath(chatId)}/messages/${seq}/forward`, { body: { chatIds, clientMessageId } });
  }

  /** Messages whose text contains `q` (2..100 characters), newest first. */
  search(chatId: string, q: string, page: { limit?: number; beforeSeq?: number } = {}): Promise<SearchPage> {
    return this.request("GET", `${chatPath(chatId)}/messages/search`, { query: { q, ...page } });
  }

  /** Each counted member's delivered/read times for the caller's own message. */
  messageReceipts(chatId: string, seq: number): Promise<MessageReceipt[]> {
    return this.request("GET", `${chatPath(chatId)}/messages/${seq}/receipts`);
  }

  // Media

  uploadTicket(fileName: string, contentType: string, sizeBytes: number): Promise<UploadTicket> {
    return this.request("POST", "/api/media", { body: { fileName, contentType, sizeBytes } });
  }

  /**
   * Gets a ticket, then PUTs the bytes straight to the upload URL with the ticket's headers. With `onProgress`
   * the PUT goes through XMLHttpRequest (fetch cannot report upload progress) where there is one.
   */
  async upload(file: Blob, fileName: string, onProgress?: UploadProgress): Promise<UploadTicket> {
    const contentType = file.type || "application/octet-stream";
    const ticket = await this.uploadTicket(fileName, contentType, file.size);
    const createXhr = onProgress ? this.createXhr : undefined;
    const { status, detail } = createXhr
      ? await putWithProgress(createXhr(), ticket, file, onProgress!)
      : await this.fetchImpl(ticket.uploadUrl, { method: "PUT", headers: ticket.uploadHeaders, body: file })
        .then(async (r) => ({ status: r.status, detail: r.ok ? "" : await r.text().catch(() => "") }));
    if (status < 200 || status >= 300) {
      throw new ApiError({ type: "about:blank", title: "Upload failed", status, detail, traceId: "" });
    }
    onProgress?.(file.size, file.size);
    return ticket;
  }

  /** The media's bytes: `GET /api/media/{id}` with the token, following its 302 to the short-lived read URL. */
  async downloadMedia(mediaId: string, thumbnail = false): Promise<Blob> {
    const path = `/api/media/${encodeURIComponent(mediaId)}${thumbnail ? "/thumbnail" : ""}`;
    const headers = { ...(await this.headers(false, false)), Accept: "*/*" };
    const response = await this.fetchOk(path, { method: "GET", headers });
    return response.blob();
  }

  // Real time

  /** `POST /api/negotiate`: the SignalR serverless negotiate answer. */
  negotiate(): Promise<{ url: string; accessToken: string }> {
    return this.request("POST", "/api/negotiate");
  }

  /** Base URL for `HubConnectionBuilder.withUrl`. */
  get hubUrl(): string {
    return `${this.baseUrl || globalThis.location?.origin || ""}/api`;
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = path + queryString(options.query);
    const init = (): Promise<RequestInit> => this.headers(options.anonymous ?? false, options.body !== undefined).then((headers) => ({
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }));
    let response = await this.fetchOk(url, await init(), true);
    if (response.status === 401 && !options.anonymous && this.current) {
      // The token may have been refused early (clock skew, a restarted key store): one refresh, one retry.
      await this.refresh();
      response = await this.fetchOk(url, await init());
    }
    return (response.status === 204 || response.headers.get("Content-Length") === "0" ? undefined : await response.json()) as T;
  }

  private async fetchOk(url: string, init: RequestInit, pass401 = false): Promise<Response> {
    const response = await this.fetchImpl(this.baseUrl + url, init);
    if (response.ok || (pass401 && response.status === 401 && this.current !== null && !url.startsWith("/api/auth/"))) {
      return response;
    }
    throw await ApiError.from(response);
  }

  private async headers(anonymous: boolean, json: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (json) {
      headers["Content-Type"] = "application/json";
    }
    if (!anonymous) {
      headers.Authorization = `Bearer ${await this.accessToken()}`;
    }
    return headers;
  }

  private keep(tokens: Tokens): StoredTokens {
    const stored = { ...tokens, expiresAt: this.now() + tokens.expiresIn * 1000 };
    this.setTokens(stored);
    return stored;
  }
}

export function newClientMessageId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function putWithProgress(xhr: XMLHttpRequest, ticket: UploadTicket, file: Blob, onProgress: UploadProgress): Promise<{ status: number; detail: string }> {
  return new Promise((resolve, reject) => {
    xhr.open("PUT", ticket.uploadUrl);
    for (const [name, value] of Object.entries(ticket.uploadHeaders)) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => resolve({ status: xhr.status, detail: xhr.status >= 300 ? String(xhr.responseText ?? "").slice(0, 200) : "" });
    xhr.onerror = () => reject(new Error("The upload failed: network error."));
    xhr.onabort = () => reject(new Error("The upload was cancelled."));
    xhr.send(file);
  });
}

function groupPath(chatId: string): string {
  return `/api/groups/${encodeURIComponent(chatId)}`;
}

function chatPath(chatId: string): string {
  return `/api/chats/${encodeURIComponent(chatId)}`;
}

function queryString(query?: Query): string {
  const pairs = Object.entries(query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return pairs.length === 0 ? "" : "?" + new URLSearchParams(pairs.map(([k, v]) => [k, String(v)])).toString();
}
