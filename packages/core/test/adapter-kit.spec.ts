/**
 * Core's adapter kit without any framework: `DrawdownStep` driven by a plain `node:http` server, as
 * a new adapter would drive it, against the emulator over the real AWS SDK. Its charge lifecycle is
 * the one the Express middleware and the NestJS guard run: units held before the handler, charged
 * when the response finished and `chargeWhen` says so, cancelled when the connection was cut.
 * The `node` option maps a framework's own request and response (Fastify's `request.raw`,
 * `reply.raw`) onto Node's, while the app's functions still get the framework's objects.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { RunningEmulator } from '@licensegate/emulator';

import { createLicenseGate, type LicenseGate } from '../src/gate.js';
import { DrawdownStep, type DrawdownStepOptions } from '../src/http/drawdown-step.js';
import { SeatSteps } from '../src/http/seat-steps.js';
import { answerDenial } from '../src/http/problem.js';
import type { UnitsOf } from '../src/http/request-charge.js';
import { CapturingLogger } from '../src/testing/index.js';
import { DIMENSION, drawdownSeed, startDrawdownEmulator } from './support/drawdown-world.js';
import { until } from './support/gate-harness.js';
import { SEAT_ENTITLEMENT, seatSeed } from './support/seat-world.js';

/** A framework's own request and reply, each over Node's (as Fastify's are). */
interface FrameworkRequest {
  readonly raw: IncomingMessage;
  readonly gigabytes: number;
}
interface FrameworkReply {
  readonly raw: ServerResponse;
  used: number;
}

describe('adapter kit: DrawdownStep on a plain node:http server', function () {
  this.timeout(10_000);
  let lm: RunningEmulator;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    lm = await startDrawdownEmulator();
  });
  after(async () => {
    await lm.close();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function gateOf(logger = new CapturingLogger()): Promise<{ gate: LicenseGate; arn: string }> {
    const sku = `lg-kit-${randomUUID()}`;
    const [arn] = lm.addLicenses([drawdownSeed(sku, 1000)]);
    const gate = createLicenseGate({
      productSku: sku,
      client: { endpoint: lm.url, region: 'us-east-1' },
      drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 500, batchIntervalMs: 3_600_000 } },
      logger,
    });
    await gate.start();
    closers.push(() => gate.stop());
    return { gate, arn: arn ?? '' };
  }

  /**
   * A server whose every request runs `step.open` first, then the handler: `?status=N` answers N,
   * `?cut=1` destroys the socket after the headers; denials are answered with `answerDenial`.
   */
  async function serve(
    gate: LicenseGate,
    units: UnitsOf<FrameworkRequest, FrameworkReply>,
    options: DrawdownStepOptions<FrameworkRequest, FrameworkReply> = {},
  ): Promise<string> {
    const step = new DrawdownStep<FrameworkRequest, FrameworkReply>(gate, DIMENSION, units, {
      node: (req, reply) => ({ req: req.raw, res: reply.raw }),
      ...options,
    });
    const server = createServer((raw, rawRes) => {
      const url = new URL(raw.url ?? '/', 'http://x');
      const req: FrameworkRequest = { raw, gigabytes: Number(url.searchParams.get('gb') ?? 1) };
      const reply: FrameworkReply = { raw: rawRes, used: Number(url.searchParams.get('used') ?? 0) };
      const handle = (): void => {
        if (url.searchParams.has('cut')) {
          rawRes.writeHead(200, { 'content-length': '100' });
          rawRes.write('partial');
          setImmediate(() => raw.socket.destroy());
          return;
        }
        rawRes.statusCode = Number(url.searchParams.get('status') ?? 200);
        rawRes.end('done');
      };
      const deny = (error: unknown): void => {
        const answer = answerDenial(gate, error, url.pathname);
        rawRes.statusCode = answer?.problem.status ?? 500;
        rawRes.end(JSON.stringify(answer?.problem ?? { error: String(error) }));
      };
      try {
        const opened = step.open(req, reply);
        if (opened === undefined) return handle();
        opened.then((go) => (go ? handle() : undefined), deny);
      } catch (error) {
        deny(error);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function call(url: string): Promise<number> {
    return new Promise((resolve) => {
      const req = httpRequest(url, { method: 'POST', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
        res.on('aborted', () => resolve(-1));
      });
      req.on('error', () => resolve(-1));
      req.end();
    });
  }

  /** Units of the dimension License Manager has consumed (GetLicenseUsage over the SDK). */
  async function consumed(arn: string): Promise<number> {
    const client = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1' });
    const answer = await client.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    client.destroy();
    return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue ?? '0');
  }

  async function settled(gate: LicenseGate): Promise<void> {
    await until(() => gate.drawdown.stats(DIMENSION).open === 0, 'every charge to settle');
  }

  it('charges a 2xx, not a 500 nor a response cut off; License Manager counts exactly the charged units', async () => {
    const { gate, arn } = await gateOf();
    const url = await serve(gate, (req) => req.gigabytes);
    assert.equal(await call(`${url}/backup?gb=7`), 200);
    assert.equal(await call(`${url}/backup?gb=11&status=500`), 500);
    assert.equal(await call(`${url}/backup?gb=13&cut=1`), -1);
    assert.equal(await call(`${url}/backup?gb=5&status=201`), 201);
    await settled(gate);
    await gate.drawdown.flush();
    assert.equal(await consumed(arn), 12);
  });

  it('late units are read from the framework reply, not from Node’s response', async () => {
    const { gate, arn } = await gateOf();
    const url = await serve(gate, (_req: FrameworkRequest, reply: FrameworkReply) => reply.used);
    assert.equal(await call(`${url}/export?used=9`), 200);
    assert.equal(await call(`${url}/export?used=4&status=503`), 503);
    await settled(gate);
    await gate.drawdown.flush();
    assert.equal(await consumed(arn), 9);
  });

  it('chargeWhen decides; one that throws charges nothing and is logged', async () => {
    const logger = new CapturingLogger();
    const { gate, arn } = await gateOf(logger);
    const url = await serve(gate, 3, {
      chargeWhen: (req) => {
        if (req.gigabytes === 666) throw new Error('the app’s chargeWhen failed');
        return req.gigabytes === 1;
      },
    });
    assert.equal(await call(`${url}/a?gb=1`), 200);
    assert.equal(await call(`${url}/b?gb=2`), 200);
    assert.equal(await call(`${url}/c?gb=666`), 200);
    await settled(gate);
    await gate.drawdown.flush();
    assert.equal(await consumed(arn), 3);
    assert.ok(logger.events('licensegate.drawdown.charge_when_failed').length === 1);
  });

  it('a pool used up answers 402 through answerDenial before the handler', async () => {
    const { gate } = await gateOf();
    const url = await serve(gate, (req) => req.gigabytes);
    assert.equal(await call(`${url}/big?gb=5000`), 402);
    assert.equal(gate.drawdown.stats(DIMENSION).open, 0, 'nothing held');
  });

  it('mistakes fail at declaration with coded errors: unknown dimension, units neither number nor function, bad constant units', async () => {
    const { gate } = await gateOf();
    assert.throws(() => new DrawdownStep(gate, 'Nope', 1), { code: 'ERR_LG_UNKNOWN_DIMENSION' });
    assert.throws(() => new DrawdownStep(gate, DIMENSION, 'five' as unknown as number), {
      code: 'ERR_LG_OPTIONS',
      message: /units must be a number or a function/,
    });
    for (const bad of [Number.NaN, -1, 1.5, Infinity]) {
      assert.throws(() => new DrawdownStep(gate, DIMENSION, bad), {
        code: 'ERR_LG_OPTIONS',
        message: /whole number/,
      });
    }
  });

  it('SeatSteps: a client gone before the seat step takes no seat; a present one does', async () => {
    const sku = `lg-kit-seats-${randomUUID()}`;
    lm.addLicenses([seatSeed(sku, 2)]);
    const gate = createLicenseGate({
      productSku: sku,
      client: { endpoint: lm.url, region: 'us-east-1' },
      seats: { entitlement: SEAT_ENTITLEMENT },
      logger: new CapturingLogger(),
    });
    await gate.start();
    closers.push(() => gate.stop());
    const steps = new SeatSteps(gate);
    // A response that closed during an earlier step (the one stand-in here: its close event is gone).
    const gone = { destroyed: true, writableFinished: false, once: () => gone, off: () => gone };
    await assert.rejects(
      steps.acquire(
        { request: { sessionID: 'left', session: {} }, userKey: undefined },
        gone as unknown as ServerResponse,
      ),
    );
    assert.deepEqual(await gate.seats.held(), [], 'no seat for a client that left');
    const here = { destroyed: false, writableFinished: false, once: () => here, off: () => here };
    const session: Record<string, unknown> = {};
    const seat = await steps.acquire(
      { request: { sessionID: 'here', session }, userKey: undefined },
      here as unknown as ServerResponse,
    );
    assert.equal(seat.key, 'here');
    assert.equal((await gate.seats.held()).length, 1);
    await assert.rejects(steps.require({ request: { sessionID: 'nobody', session: {} }, userKey: undefined }), {
      code: 'ERR_LG_NO_SEAT',
    });
  });
});
