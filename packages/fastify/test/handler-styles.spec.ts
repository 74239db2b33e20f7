/**
 * The plugin runs a route's tier check and drawdown charge in front of the route's handler (no
 * hook). Fastify handlers answer in several styles, and each must answer exactly as it would
 * without the plugin — on the hot path (the units held at once: the handler runs in the same tick)
 * and on the path that waits (the charge opens after a License Manager call, so the plugin hands
 * Fastify a promise): an async handler's value, `reply.send()` then `return reply`, a sync handler's
 * value, a sync `reply.send()`, and a callback that sends later. Also the order of the steps: after
 * the route's own hooks, tier before the charge and before the seat. Real Fastify apps against the
 * emulator, over HTTP.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';

import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import request from 'supertest';

import { licenseGatePlugin } from '../src/index.js';
import { assertProblem, countedLicense, marketplaceLicense, TIERS, useWorld } from './support/world.js';

const UNITS_SKU = 'lg-fastify-styles-units';
const BOTH_SKU = 'lg-fastify-styles-both';
const DIMENSION = 'DataConsumption';

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/** Each style answers 200 `{ style }` the way a Fastify app writes it. */
const STYLES: { name: string; body: string; handler: Handler }[] = [
  { name: 'async, returns the value', body: 'async-value', handler: async () => ({ style: 'async-value' }) },
  {
    name: 'async, reply.send() then return reply',
    body: 'async-send',
    handler: async (_request, reply) => reply.send({ style: 'async-send' }),
  },
  { name: 'sync, returns the value', body: 'sync-value', handler: () => ({ style: 'sync-value' }) },
  {
    name: 'sync, reply.send() at once',
    body: 'sync-send',
    handler: (_request, reply) => {
      void reply.send({ style: 'sync-send' });
    },
  },
  {
    name: 'callback, reply.send() 20 ms later',
    body: 'callback',
    handler: (_request, reply) => {
      setTimeout(() => void reply.send({ style: 'callback' }), 20);
    },
  },
];

/** A log stream for Fastify that keeps what it logged at warn or above (e.g. "Reply was already sent"). */
function warnings(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(line);
      callback();
    },
  });
  return { stream, lines };
}

describe('fastify plugin: handler styles and step order', () => {
  const world = useWorld(() => [
    countedLicense(UNITS_SKU, { units: 1_000 }),
    marketplaceLicense(BOTH_SKU, [
      { Name: 'Intermediate', Value: 'Enabled', Unit: 'None' },
      { Name: DIMENSION, MaxCount: 1_000, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ]),
  ]);

  const modes = [
    ['hot path (batch: the units are held at once)', { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 3_600_000 }],
    ['waiting path (sync: each charge opens after a License Manager call)', { mode: 'sync' }],
  ] as const;
  for (const [path, mode] of modes) {
    it(`every handler style answers as without the plugin, charged once: ${path}`, async () => {
      const w = world();
      const gate = w.gate({ productSku: UNITS_SKU, drawdown: { [DIMENSION]: mode } });
      await gate.start();
      const log = warnings();
      const app = Fastify({ logger: { level: 'warn', stream: log.stream } });
      await app.register(licenseGatePlugin, { gate });
      STYLES.forEach(({ handler }, i) => {
        app.get(`/style/${i}`, { config: { licensegate: { drawdown: { dimension: DIMENSION, units: 1 } } } }, handler);
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const concurrent = 20;
      try {
        for (const [i, { name, body }] of STYLES.entries()) {
          const checkouts = w.calls('CheckoutLicense');
          const answer = await request(url).get(`/style/${i}`);
          assert.equal(answer.status, 200, name);
          assert.deepEqual(answer.body, { style: body }, `${name}: the handler's own answer`);
          if (mode.mode === 'sync') assert.ok(w.calls('CheckoutLicense') > checkouts, `${name}: the charge waited`);
        }
        const answers = await Promise.all(
          Array.from({ length: concurrent }, (_, k) => request(url).get(`/style/${k % STYLES.length}`)),
        );
        answers.forEach((answer, k) => {
          assert.equal(answer.status, 200);
          assert.deepEqual(answer.body, { style: STYLES[k % STYLES.length]!.body });
        });
      } finally {
        app.server.closeAllConnections();
        await app.close();
        await gate.stop();
      }
      assert.equal(
        await w.consumed(w.arnOf(UNITS_SKU), DIMENSION),
        STYLES.length + concurrent,
        'one unit per request, none twice',
      );
      assert.deepEqual(log.lines, [], 'Fastify logged no warning (no reply sent twice)');
    });
  }

  it('the steps run after the route\u2019s own hooks, the tier first: a refused request waits on nothing and holds no units', async () => {
    const w = world();
    const gate = w.gate({ productSku: BOTH_SKU, tiers: TIERS, drawdown: { [DIMENSION]: { mode: 'sync' } } });
    await gate.start();
    const seen: string[] = [];
    const app = w.app();
    await app.register(licenseGatePlugin, { gate });
    app.addHook('onRequest', (_request, _reply, done) => {
      seen.push('onRequest');
      done();
    });
    for (const tier of ['Premium', 'Basic']) {
      app.get(
        `/${tier.toLowerCase()}`,
        {
          preHandler: (_request, _reply, done) => {
            seen.push('preHandler');
            done();
          },
          config: { licensegate: { tier, drawdown: { dimension: DIMENSION, units: 1 } } },
        },
        async () => {
          seen.push('handler');
          return { tier };
        },
      );
    }
    const url = await w.serve(app);
    const checkouts = w.calls('CheckoutLicense');
    assertProblem(await request(url).get('/premium'), { status: 403, type: 'tier-required' });
    assert.deepEqual(seen, ['onRequest', 'preHandler'], 'refused after the route\u2019s hooks, before the handler');
    assert.equal(w.calls('CheckoutLicense'), checkouts, 'no charge opened for a refused request');
    assert.deepEqual([gate.drawdown.stats(DIMENSION).open, gate.drawdown.stats(DIMENSION).debited], [0, 0]);
    seen.length = 0;
    await request(url).get('/basic').expect(200, { tier: 'Basic' });
    assert.deepEqual(seen, ['onRequest', 'preHandler', 'handler']);
    assert.equal(w.calls('CheckoutLicense'), checkouts + 1, 'the granted request was charged (sync: one checkout)');
  });
});
