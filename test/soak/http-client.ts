/**
 * Real HTTP to the app over 127.0.0.1: one keep-alive agent and one cookie per virtual user, as a
 * browser would. A request that gets no answer (connection error, or the real-time limit) comes
 * back with status 0 rather than throwing.
 */
import { Agent, request } from 'node:http';

/** An answer (status 0: none came). */
export interface Answer {
  readonly status: number;
  readonly body: string;
  /** Why no answer came (status 0). */
  readonly error?: string;
}

/** A browser-like client: keep-alive connections and the session cookie. */
export class HttpClient {
  readonly #base: URL;
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  /** The session cookie (`connect.sid=...`), once the app set one. */
  cookie: string | undefined;

  /**
   * @param base - the app's URL, `http://127.0.0.1:PORT`
   * @param sockets - connections at most (requests beyond wait for one)
   */
  constructor(base: string, timeoutMs: number, sockets: number) {
    this.#base = new URL(base);
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets });
    this.#timeoutMs = timeoutMs;
  }

  /** Sends one request; keeps the cookie the answer sets. Never rejects. */
  send(method: 'GET' | 'POST', path: string, json?: unknown): Promise<Answer> {
    const body = json === undefined ? '' : JSON.stringify(json);
    return new Promise((resolve) => {
      let settled = false;
      const done = (answer: Answer): void => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const req = request(
        {
          host: this.#base.hostname,
          port: this.#base.port,
          method,
          path,
          agent: this.#agent,
          headers: {
            'content-length': String(Buffer.byteLength(body)),
            ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(this.cookie !== undefined ? { cookie: this.cookie } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.find((c) => c.startsWith('connect.sid='));
            if (setCookie !== undefined) this.cookie = setCookie.split(';')[0];
            done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (error) => done({ status: 0, body: '', error: error.message }));
        },
      );
      req.setTimeout(this.#timeoutMs, () => {
        req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`));
      });
      req.on('error', (error) => done({ status: 0, body: '', error: error.message }));
      req.end(body);
    });
  }

  /** Closes the keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}
