/**
 * whenResponseDone(): one diagnostics-channel subscriber and one close listener per connection
 * instead of a listener per response, trusted per server only once that server's responses come
 * through the channel. Every response taken is told exactly once: finished, or cut off.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { watchFinishedResponses, whenResponseDone } from '../src/http/response-finish.js';

describe('whenResponseDone()', () => {
  let server: http.Server;
  let url: string;
  /** Per request (by URL): whether whenResponseDone took it, and how each callback ran. */
  const taken = new Map<string, boolean>();
  const done: string[] = [];
  const holds = new Map<string, () => void>();

  before(async () => {
    watchFinishedResponses();
    server = http.createServer((req, res) => {
      const path = req.url ?? '';
      taken.set(
        path,
        whenResponseDone(req, res, (finished) => done.push(`${path} ${finished ? 'finished' : 'cut off'}`)),
      );
      if (path === '/twice') {
        whenResponseDone(req, res, (finished) => done.push(`${path} again ${finished ? 'finished' : 'cut off'}`));
      }
      if (path.startsWith('/hold')) {
        holds.set(path, () => res.end('late'));
        return;
      }
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
  });

  it("declines a server's first response (not seen publishing yet), then takes its responses", async () => {
    await (await fetch(`${url}/first`)).text();
    assert.equal(taken.get('/first'), false, 'unknown server: the caller uses a close listener');
    assert.equal(done.length, 0);
    await (await fetch(`${url}/second`)).text();
    assert.equal(taken.get('/second'), true);
    await until(() => done.includes('/second finished'));
  });

  it('calls back each of several waiting on one response (two drawdown middlewares), once', async () => {
    await (await fetch(`${url}/warm`)).text();
    await (await fetch(`${url}/twice`)).text();
    await until(() => done.includes('/twice again finished'));
    assert.deepEqual(
      done.filter((f) => f.startsWith('/twice')),
      ['/twice finished', '/twice again finished'],
    );
  });

  it('tells a response cut off with its connection, once, and never as finished', async () => {
    const aborted = new AbortController();
    const call = fetch(`${url}/hold-1`, { signal: aborted.signal }).catch(() => undefined);
    await until(() => holds.has('/hold-1'));
    assert.equal(taken.get('/hold-1'), true);
    aborted.abort();
    await call;
    await until(() => done.includes('/hold-1 cut off'));
    holds.get('/hold-1')?.(); // the app answers into a closed connection
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      done.filter((f) => f.startsWith('/hold-1')),
      ['/hold-1 cut off'],
    );
  });

  it('keeps responses of one keep-alive connection apart: each is told of its own end', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<void> =>
      new Promise((resolve, reject) => {
        http
          .get(`${url}${path}`, { agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    await get('/ka-1');
    await get('/ka-2');
    await until(() => done.includes('/ka-2 finished'));
    agent.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      done.filter((f) => f.startsWith('/ka-')),
      ['/ka-1 finished', '/ka-2 finished'],
      'closing the connection afterwards tells nothing more',
    );
  });

  it('a server that does not publish (a bare request handler, no http.Server) is never trusted', () => {
    const fakeSocket = { server: {} };
    const req = { socket: fakeSocket } as unknown as http.IncomingMessage;
    assert.equal(
      whenResponseDone(req, {} as http.ServerResponse, () => assert.fail('not called')),
      false,
    );
  });
});

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
