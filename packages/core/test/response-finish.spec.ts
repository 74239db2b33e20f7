/**
 * whenFinished(): one diagnostics-channel subscriber instead of a listener per response, trusted
 * per server only once that server's responses come through the channel.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { watchFinishedResponses, whenFinished } from '../src/http/response-finish.js';

describe('whenFinished()', () => {
  let server: http.Server;
  let url: string;
  /** Per request (by URL): whether whenFinished took it, and whether its callback ran. */
  const taken = new Map<string, boolean>();
  const finished: string[] = [];
  let hold: (() => void) | undefined;

  before(async () => {
    watchFinishedResponses();
    server = http.createServer((req, res) => {
      const path = req.url ?? '';
      taken.set(
        path,
        whenFinished(req, res, () => finished.push(path)),
      );
      if (path === '/twice') {
        whenFinished(req, res, () => finished.push(`${path} again`));
      }
      if (path.startsWith('/hold')) {
        hold = () => res.end('late');
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
    assert.equal(finished.length, 0);
    await (await fetch(`${url}/second`)).text();
    assert.equal(taken.get('/second'), true);
    await until(() => finished.includes('/second'));
  });

  it('calls back each of several waiting on one response (two drawdown middlewares), once', async () => {
    await (await fetch(`${url}/warm`)).text();
    await (await fetch(`${url}/twice`)).text();
    await until(() => finished.includes('/twice again'));
    assert.deepEqual(
      finished.filter((f) => f.startsWith('/twice')),
      ['/twice', '/twice again'],
    );
  });

  it('never calls back for an aborted response', async () => {
    const aborted = new AbortController();
    const call = fetch(`${url}/hold`, { signal: aborted.signal }).catch(() => undefined);
    await until(() => hold !== undefined);
    assert.equal(taken.get('/hold'), true);
    aborted.abort();
    await call;
    await new Promise((resolve) => setTimeout(resolve, 50));
    hold?.(); // the app answers into a closed connection
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!finished.includes('/hold'), 'no callback: nothing is charged for an aborted request');
  });

  it('a server that does not publish (a bare request handler, no http.Server) is never trusted', () => {
    const fakeSocket = { server: {} };
    const req = { socket: fakeSocket } as unknown as http.IncomingMessage;
    assert.equal(
      whenFinished(req, {} as http.ServerResponse, () => assert.fail('not called')),
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
