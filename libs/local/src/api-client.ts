import type { ProblemDetails } from '@kanta/contracts';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the gateway, used by the demo seed, the e2e tests and the benchmarks. */
export class KantaApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null = null,
  ) {}

  withToken(token: string): KantaApi {
    return new KantaApi(this.baseUrl, token);
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
