/** An API error answer: the problem+json body of API.md, with its status. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  traceId: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;
  /** Seconds from `Retry-After` (429, 503), when the server sent it. */
  readonly retryAfter?: number;

  constructor(problem: ProblemDetails, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The first message for a field of a 400 answer (e.g. `code` of a wrong verification code). */
  fieldError(field: string): string | undefined {
    const errors = this.problem.errors ?? {};
    const key = Object.keys(errors).find((k) => k.toLowerCase() === field.toLowerCase());
    return key ? errors[key]?.[0] : undefined;
  }

  static async from(response: Response): Promise<ApiError> {
    const retry = response.headers.get("Retry-After");
    const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : undefined;
    return new ApiError(await readProblem(response), retryAfter);
  }
}

async function readProblem(response: Response): Promise<ProblemDetails> {
  const fallback: ProblemDetails = { type: "about:blank", title: response.statusText || "Error", status: response.status, detail: "", traceId: "" };
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ProblemDetails>;
    return { ...fallback, ...body, status: typeof body.status === "number" ? body.status : response.status };
  } catch {
    return { ...fallback, detail: text.slice(0, 200) };
  }
}
