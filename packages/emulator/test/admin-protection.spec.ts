/**
 * The admin path against another web page in a browser on the same machine (CSRF) and against DNS
 * rebinding: JSON bodies only, the emulator's own Host and Origin only, and a token under strict auth.
 * Raw node:http requests, which send any Host, Origin and content type they are given.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';

import { GetLicenseCommand } from '@aws-sdk/client-license-manager';

import { EmulatorError, startEmulator, type RunningEmulator } from '../src/index.js';
import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  DAY,
  admin,
  checkout,
  clientFor,
  expectAwsError,
  fakeSigV4Headers,
  httpRequest,
  marketplaceSeed,
  standardSeeds,
  tier,
  useEmulator,
  type HttpAnswer,
} from './support/emulator-fixture.js';

const FAULT = JSON.stringify({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

function assertCoded(answer: HttpAnswer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.text}`);
  assert.equal(answer.json?.['code'], code, `${what}: ${answer.text}`);
  assert.equal(typeof answer.json?.['message'], 'string', what);
}

/** The parts of the state that a refused admin request must leave alone. */
function snapshot(running: RunningEmulator): unknown {
  const dump = running.emulator.dump();
  return { licenses: dump.licenses, consumptions: dump.consumptions, faults: dump.faults, offset: dump.clockOffsetMs };
}

describe('admin path: content type, Host and Origin', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });
  const port = (): number => lm.running.port;
  const own = (): string => `127.0.0.1:${port()}`;

  describe('bodies', () => {
    for (const contentType of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      it(`refuses a body sent as ${contentType ?? 'no content type'} with 415 ERR_LG_EMU_ADMIN_CONTENT_TYPE, changing nothing`, async () => {
        await checkout(lm.client);
        const before = snapshot(lm.running);
        for (const [path, body] of [
          ['/faults', FAULT],
          ['/clock', '{"advance":"1d"}'],
          ['/licenses', JSON.stringify([marketplaceSeed('sku-csrf', [tier('Gold')])])],
          ['/reset', '{}'],
        ] as const) {
          const answer = await httpRequest(lm.running.url, {
            method: 'POST',
            path: `/_emulator${path}`,
            headers: contentType === undefined ? {} : { 'content-type': contentType },
            body,
          });
          assertCoded(answer, 415, 'ERR_LG_EMU_ADMIN_CONTENT_TYPE', path);
          assert.match(String(answer.json?.['message']), /application\/json/);
        }
        assert.deepEqual(snapshot(lm.running), before);
      });
    }

    it('takes application/json, with parameters and in any case', async () => {
      for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
        const answer = await httpRequest(lm.running.url, {
          method: 'POST',
          path: '/_emulator/faults',
          headers: { 'content-type': contentType },
          body: FAULT,
        });
        assert.equal(answer.status, 201, `${contentType}: ${answer.text}`);
      }
      assert.equal(lm.running.emulator.faults.list().length, 3);
    });

    it('needs no content type on a request without a body', async () => {
      lm.running.clock.advance(DAY);
      const answer = await httpRequest(lm.running.url, { method: 'POST', path: '/_emulator/reset' });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(lm.running.clock.offsetMs, 0);
    });
  });

  describe('Host', () => {
    it('refuses a Host that is not the address it is bound to with 403 ERR_LG_EMU_ADMIN_HOST, for GET too', async () => {
      const held = await checkout(lm.client);
      const before = snapshot(lm.running);
      const hosts = [
        'evil.example',
        `evil.example:${port()}`,
        `127.0.0.1.evil.example:${port()}`,
        `127.0.0.1:${port() + 1}`,
        `localhost:${port() + 1}`,
        `[::1]:${port() + 1}`,
        '127.0.0.1',
        `10.0.0.1:${port()}`,
      ];
      for (const host of hosts) {
        for (const [method, path] of [
          ['GET', '/_emulator/state'],
          ['GET', '/_emulator/calls'],
          ['GET', '/_emulator/health'],
          ['POST', '/_emulator/reset'],
        ] as const) {
          const answer = await httpRequest(lm.running.url, { method, path, headers: { host } });
          assertCoded(answer, 403, 'ERR_LG_EMU_ADMIN_HOST', `${method} ${path} with Host '${host}'`);
          assert.ok(!answer.text.includes(held.LicenseConsumptionToken ?? '-'), 'no consumption token leaks');
        }
      }
      const faults = await httpRequest(lm.running.url, {
        method: 'POST',
        path: '/_emulator/faults',
        headers: { host: `evil.example:${port()}`, 'content-type': 'application/json' },
        body: FAULT,
      });
      assertCoded(faults, 403, 'ERR_LG_EMU_ADMIN_HOST', 'POST /faults');
      assert.deepEqual(snapshot(lm.running), before);
    });

    it('refuses an HTTP/1.0 request with no Host at all', async () => {
      const socket = connect(port(), '127.0.0.1');
      socket.end('GET /_emulator/state HTTP/1.0\r\n\r\n');
      let text = '';
      for await (const chunk of socket) text += String(chunk);
      assert.match(text, /^HTTP\/1\.1 403 /);
      assert.match(text, /ERR_LG_EMU_ADMIN_HOST/);
    });

    it('takes 127.0.0.1, localhost and [::1] at its port, in any case', async () => {
      for (const host of [own(), `localhost:${port()}`, `LOCALHOST:${port()}`, `[::1]:${port()}`]) {
        const answer = await httpRequest(lm.running.url, { path: '/_emulator/state', headers: { host } });
        assert.equal(answer.status, 200, `${host}: ${answer.text}`);
      }
    });
  });

  describe('Origin', () => {
    it('refuses an Origin of another site with 403 ERR_LG_EMU_ADMIN_ORIGIN, changing nothing', async () => {
      const before = snapshot(lm.running);
      for (const origin of [
        'http://evil.example',
        `http://evil.example:${port()}`,
        'null',
        `http://127.0.0.1:${port() + 1}`,
        `https://127.0.0.1:${port()}`,
        `http://${own()}.evil.example`,
      ]) {
        const read = await httpRequest(lm.running.url, { path: '/_emulator/state', headers: { origin } });
        assertCoded(read, 403, 'ERR_LG_EMU_ADMIN_ORIGIN', `GET with Origin ${origin}`);
        const write = await httpRequest(lm.running.url, {
          method: 'POST',
          path: '/_emulator/faults',
          headers: { origin, 'content-type': 'application/json' },
          body: FAULT,
        });
        assertCoded(write, 403, 'ERR_LG_EMU_ADMIN_ORIGIN', `POST with Origin ${origin}`);
        const reset = await httpRequest(lm.running.url, {
          method: 'POST',
          path: '/_emulator/reset',
          headers: { origin },
        });
        assertCoded(reset, 403, 'ERR_LG_EMU_ADMIN_ORIGIN', `POST /reset with Origin ${origin}`);
      }
      assert.deepEqual(snapshot(lm.running), before);
    });

    it('takes its own origin', async () => {
      for (const origin of [`http://${own()}`, `http://localhost:${port()}`, `http://[::1]:${port()}`]) {
        const answer = await httpRequest(lm.running.url, {
          method: 'POST',
          path: '/_emulator/faults',
          headers: { origin, 'content-type': 'application/json' },
          body: FAULT,
        });
        assert.equal(answer.status, 201, `${origin}: ${answer.text}`);
      }
    });
  });

  describe('the AWS protocol path', () => {
    it('is unaffected: any Host, any Origin, the SDK as before', async () => {
      await checkout(lm.client);
      const answer = await httpRequest(lm.running.url, {
        method: 'POST',
        path: '/',
        headers: {
          host: `evil.example:${port()}`,
          origin: 'http://evil.example',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSLicenseManager.GetLicense',
          ...Object.fromEntries(Object.entries(fakeSigV4Headers()).map(([k, v]) => [k.toLowerCase(), v])),
        },
        body: JSON.stringify({ LicenseArn: CONFIGURABLE_ARN }),
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal((answer.json?.['License'] as { LicenseArn?: string } | undefined)?.LicenseArn, CONFIGURABLE_ARN);
    });

    it('needs no admin token and the programmatic controls need nothing', () => {
      assert.equal(lm.running.adminToken, undefined);
      lm.running.addFault({ kind: 'latency', latencyMs: 1 });
      lm.running.clock.advance(DAY);
      lm.running.reset();
      assert.equal(lm.running.clock.offsetMs, 0);
    });
  });
});

describe('admin path: token under strict auth', () => {
  const TOKEN = 'admin-token-for-the-tests-0123456789';
  const lm = useEmulator(
    () => ({ licenses: standardSeeds(), auth: 'strict' as const, accessKeys: [{ ...CREDENTIALS }], adminToken: TOKEN }),
    { each: false },
  );

  it('exposes the token it was given', () => {
    assert.equal(lm.running.adminToken, TOKEN);
  });

  it('refuses a request without the token, or with another, with 401 ERR_LG_EMU_ADMIN_TOKEN', async () => {
    await checkout(lm.client);
    const before = snapshot(lm.running);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
      { 'x-emulator-admin-token': 'not-the-token' },
      { 'x-emulator-admin-token': '' },
    ];
    for (const headers of attempts) {
      for (const [method, path] of [
        ['GET', '/_emulator/state'],
        ['GET', '/_emulator/clock'],
        ['POST', '/_emulator/reset'],
        ['DELETE', '/_emulator/faults'],
      ] as const) {
        const answer = await httpRequest(lm.running.url, { method, path, headers });
        assertCoded(answer, 401, 'ERR_LG_EMU_ADMIN_TOKEN', `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.ok(!answer.text.includes(TOKEN), 'the answer does not reveal the token');
        assert.match(String(answer.json?.['message']), /authorization: Bearer/);
      }
    }
    assert.deepEqual(snapshot(lm.running), before);
  });

  it('takes the token as authorization: Bearer or x-emulator-admin-token', async () => {
    const accepted: Record<string, string>[] = [
      { authorization: `Bearer ${TOKEN}` },
      { authorization: `bearer ${TOKEN}` },
      { 'x-emulator-admin-token': TOKEN },
    ];
    for (const headers of accepted) {
      const answer = await httpRequest(lm.running.url, { path: '/_emulator/state', headers });
      assert.equal(answer.status, 200, `${JSON.stringify(headers)}: ${answer.text}`);
    }
    const moved = await admin(lm.running.url, 'POST', '/clock', { advance: '1h' }, TOKEN);
    assert.equal(moved.status, 200, moved.text);
  });

  it('answers GET /health without the token (it tells nothing)', async () => {
    const answer = await httpRequest(lm.running.url, { path: '/_emulator/health' });
    assert.equal(answer.status, 200);
  });

  it('checks the Host before the token', async () => {
    const answer = await httpRequest(lm.running.url, {
      path: '/_emulator/state',
      headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` },
    });
    assertCoded(answer, 403, 'ERR_LG_EMU_ADMIN_HOST', 'forged Host with the token');
  });

  it('leaves the AWS protocol path and the programmatic controls as they were', async () => {
    const answer = await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN);
    lm.running.addFault({ kind: 'latency', latencyMs: 1 });
    lm.running.clock.advance(DAY);
    lm.running.reset();
    assert.deepEqual(lm.running.emulator.faults.list(), []);
  });
});

describe('admin path: the generated token', () => {
  it('makes a random token under strict auth when none is given, and requires it', async () => {
    const running = [
      await startEmulator({ port: 0, auth: 'strict', accessKeys: [{ ...CREDENTIALS }] }),
      await startEmulator({ port: 0, auth: 'strict', accessKeys: [{ ...CREDENTIALS }] }),
    ];
    try {
      const [a, b] = running.map((r) => r.adminToken) as [string, string];
      assert.match(a, /^[A-Za-z0-9_-]{32,}$/);
      assert.notEqual(a, b);
      const first = running[0] as RunningEmulator;
      assertCoded(await httpRequest(first.url, { path: '/_emulator/state' }), 401, 'ERR_LG_EMU_ADMIN_TOKEN', 'none');
      assertCoded(
        await httpRequest(first.url, { path: '/_emulator/state', headers: { authorization: `Bearer ${b}` } }),
        401,
        'ERR_LG_EMU_ADMIN_TOKEN',
        "the other emulator's token",
      );
      const ok = await httpRequest(first.url, { path: '/_emulator/state', headers: { authorization: `Bearer ${a}` } });
      assert.equal(ok.status, 200);
      // The AWS path needs no admin token: an unknown ARN is the usual InvalidParameterValueException.
      const client = clientFor(first.url);
      try {
        await expectAwsError(
          client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
          'InvalidParameterValueException',
          400,
        );
      } finally {
        client.destroy();
      }
    } finally {
      await Promise.all(running.map((r) => r.close()));
    }
  });

  it('requires a token given without strict auth too', async () => {
    const running = await startEmulator({ port: 0, adminToken: 'a-token-without-strict-auth' });
    try {
      assertCoded(await httpRequest(running.url, { path: '/_emulator/state' }), 401, 'ERR_LG_EMU_ADMIN_TOKEN', 'none');
      const ok = await httpRequest(running.url, {
        path: '/_emulator/state',
        headers: { 'x-emulator-admin-token': 'a-token-without-strict-auth' },
      });
      assert.equal(ok.status, 200);
    } finally {
      await running.close();
    }
  });

  it('refuses an admin token that cannot travel in a header with ERR_LG_EMU_BAD_OPTION', async () => {
    for (const adminToken of ['', 'has space', 'line\nbreak', 'é-accent', 42 as unknown as string]) {
      await assert.rejects(
        startEmulator({ port: 0, adminToken }),
        (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_OPTION',
        JSON.stringify(adminToken),
      );
    }
  });
});
