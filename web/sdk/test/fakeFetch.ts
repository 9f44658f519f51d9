export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch that records each call and answers from a queue of handlers, in order. */
export function fakeFetch(...answers: ((call: Call) => Answer)[]) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : init?.body ?? undefined,
    };
    calls.push(call);
    const answer = answers[calls.length - 1];
    if (!answer) {
      throw new Error(`unexpected call ${call.method} ${call.url}`);
    }
    const { status, body, headers } = answer(call);
    const text = body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { "Content-Type": "application/json", ...headers } });
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export const tokens = (access: string, refresh = "r-" + access, expiresIn = 900) => ({ userId: "u1", accessToken: access, refreshToken: refresh, expiresIn });

export const problem = (status: number, detail = "nope", extra: Record<string, unknown> = {}) => ({
  type: "https://example.test/problem", title: "Problem", status, detail, traceId: "t1", ...extra,
});
