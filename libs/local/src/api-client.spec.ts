import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KantaApi, type ApiExchange } from './api-client';

describe('the API client checking answers', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ accessToken: 'token', path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('shows every answer to the check, from the clients made from it too', async () => {
    const seen: ApiExchange[] = [];
    const api = new KantaApi(baseUrl, null, (exchange) => seen.push(exchange));
    await api.request('GET', '/one?q=1');
    const signedIn = await api.login('a@b.test', 'secret');
    await signedIn.withToken('other').expect(200, 'DELETE', '/two');
    expect(seen.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /one?q=1 200',
      'POST /api/v1/auth/login 200',
      'DELETE /two 200',
    ]);
    expect(JSON.parse(seen[0].text)).toEqual({ accessToken: 'token', path: '/one?q=1' });
  });

  it('fails the request when the check throws', async () => {
    const api = new KantaApi(baseUrl, 'token', () => {
      throw new Error('departs');
    });
    await expect(api.request('GET', '/one')).rejects.toThrow('departs');
  });
});
