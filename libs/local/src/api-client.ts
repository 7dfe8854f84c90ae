import type { ProblemDetails } from '@kanta/contracts';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** One request as sent and the answer as it came, before the body is parsed. */
export interface ApiExchange {
  method: string;
  /** The path with its query string. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Sees every answer the client gets, and may throw to fail the request (the e2e suite checks
 * each one against the OpenAPI document this way).
 */
export type AnswerCheck = (exchange: ApiExchange) => void;

/** A small HTTP client for the gateway, used by the demo seed, the e2e tests and the benchmarks. */
export class KantaApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null = null,
    /** Passed on to the clients made from this one (withToken, login). */
    readonly checkAnswer?: AnswerCheck,
  ) {}

  withToken(token: string): KantaApi {
    return new KantaApi(this.baseUrl, token, this.checkAnswer);
  }

  async login(email: string, password: string, stationId?: string): Promise<KantaApi> {
    const response = await this.request<{ accessToken: string } & Partial<ProblemDetails>>(
      'POST',
      '/api/v1/auth/login',
      { email, password, ...(stationId ? { stationId } : {}) },
    );
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`login as ${email} failed: ${response.status} ${response.body.title ?? ''}`);
    }
    return this.withToken(response.body.accessToken);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    this.checkAnswer?.({ method, path, status: response.status, headers: response.headers, text });
    let parsed: unknown = text;
    if (text && /json/.test(response.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** Like request, but throws unless the status is the expected one. */
  async expect<T = unknown>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const response = await this.request<T>(method, path, body, headers);
    if (response.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  }
}
