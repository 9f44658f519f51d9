import { describe, expect, it } from "vitest";
import { ChatClient } from "../src";
import { fakeFetch, problem, tokens } from "./fakeFetch";

function client(answers: Parameters<typeof fakeFetch>) {
  let clock = 0;
  const { fetch, calls } = fakeFetch(...answers);
  const waits: number[] = [];
  const chat = new ChatClient({ baseUrl: "http://api.test", fetch, now: () => clock, sleep: async (ms) => { waits.push(ms); clock += ms; } });
  chat.setTokens({ ...tokens("a1", "r1"), expiresAt: 900_000 });
  return { chat, calls, waits, advance: (ms: number) => (clock += ms) };
}

describe("refresh retries (API.md: a retried refresh within 10 s gets the same pair)", () => {
  it("retries a lost answer with the same refresh token", async () => {
    const { chat, calls, waits } = client([
      () => { throw new TypeError("Failed to fetch"); },
      () => ({ status: 502, body: problem(502) }),
      () => ({ status: 200, body: tokens("a2", "r2") }),
    ]);

    const fresh = await chat.refresh();

    expect(fresh.accessToken).toBe("a2");
    expect(calls.map((c) => (c.body as { refreshToken: string }).refreshToken)).toEqual(["r1", "r1", "r1"]);
    expect(waits).toEqual([500, 1500]);
  });

  it("never retries once 10 s have passed since the first try (a later reuse would revoke the session)", async () => {
    const { chat, calls, advance } = client([
      () => { advance(9_000); throw new TypeError("slow network"); },
    ]);

    await expect(chat.refresh()).rejects.toThrow("slow network");
    expect(calls).toHaveLength(1);
  });

  it("does not retry a refusal", async () => {
    const { chat, calls } = client([() => ({ status: 401, body: problem(401) })]);

    await expect(chat.refresh()).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(1);
    expect(chat.tokens).toBeNull();
  });
});
