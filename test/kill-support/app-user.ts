/**
 * A user of the kill suite's app, with a session cookie, who can go to any instance (the sessions
 * are in a store every instance shares, as behind a load balancer).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';

/** A complete answer. */
export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One request to an app instance on 127.0.0.1, with no keep-alive; rejects when no complete answer came. */
export function call(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  options: { cookie?: string; json?: unknown } = {},
): Promise<Answer & { setCookie: string[] }> {
  const payload = options.json === undefined ? '' : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
          ...(payload !== '' ? { 'content-type': 'application/json' } : {}),
          'content-length': String(Buffer.byteLength(payload)),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown>;
          try {
            body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A user and their session cookie. */
export class AppUser {
  readonly name: string;
  /** The session cookie (`name=value`), once logged in. */
  cookie: string | undefined;
  /** The seat key the app gave at login (the session id). */
  seat: string | undefined;

  constructor(name: string) {
    this.name = name;
  }

  /** Logs in through the instance on `port` (a new session, a seat). */
  async login(port: number): Promise<void> {
    const answer = await call(port, 'POST', '/login', { json: { user: this.name } });
    assert.equal(answer.status, 200, `login of ${this.name}: ${JSON.stringify(answer.body)}`);
    const cookie = answer.setCookie[0]?.split(';')[0];
    assert.ok(cookie !== undefined, `login of ${this.name} set no session cookie`);
    assert.equal(typeof answer.body['seat'], 'string', `login of ${this.name} took no seat`);
    this.cookie = cookie;
    this.seat = answer.body['seat'] as string;
  }

  /** `GET /app` through the instance on `port`. */
  use(port: number): Promise<Answer> {
    return call(port, 'GET', '/app', this.#withCookie());
  }

  /** Logs out through the instance on `port`. */
  async logout(port: number): Promise<Answer> {
    const answer = await call(port, 'POST', '/logout', this.#withCookie());
    this.cookie = undefined;
    return answer;
  }

  #withCookie(): { cookie?: string } {
    return this.cookie === undefined ? {} : { cookie: this.cookie };
  }
}
