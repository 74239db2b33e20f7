/**
 * Tiers through an adapter: the tier bought and every lower one are served, a higher one is a 403
 * problem and never reaches the handler, answers come from the cache, upgrades and downgrades are
 * seen without a restart, no license and License Manager down past the grace are problems, a gate
 * made from options starts once, and the status route shows the gate.
 */
import assert from 'node:assert/strict';

import type { LicenseGate } from '@licensegate/core';
import request from 'supertest';

import { MINUTE, PAST_REFRESH, TIERS } from '../constants.js';
import { tieredLicense } from '../licenses.js';
import { assertNoStack, assertProblem } from '../problems.js';
import { until } from '../waiting.js';
import type { AdapterDriver } from './driver.js';
import { useTableWorld } from './table-world.js';

const SKU = 'lg-table-tiered';

/** The tier scenarios, run against `driver`. */
export function tierScenarios(driver: AdapterDriver): void {
  describe('tiers', () => {
    const world = useTableWorld(driver, () => [tieredLicense(SKU, 'Intermediate')]);

    async function started(options: { graceMs?: number } = {}): Promise<LicenseGate> {
      const gate = world().gate({ productSku: SKU, tiers: TIERS, ...options });
      await gate.start();
      return gate;
    }

    it('serves the tier bought and every lower one, and tells the handler the tier', async () => {
      const app = await world().tierApp({ gate: await started() });
      for (const path of ['/basic', '/intermediate']) {
        const res = await request(app.url).get(path).expect(200);
        assert.deepEqual(res.body, { tier: 'Intermediate', hasPremium: false, hasBasic: true, seat: null });
      }
      assert.deepEqual(app.served, ['Basic', 'Intermediate']);
    });

    it('refuses a higher tier with a 403 tier-required problem naming both tiers, and never runs the handler', async () => {
      const app = await world().tierApp({ gate: await started() });
      const res = await request(app.url).get('/premium');
      const body = assertProblem(res, {
        status: 403,
        type: 'tier-required',
        code: 'ERR_LG_TIER_REQUIRED',
        fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
      });
      assert.equal(body['title'], 'Tier required');
      assert.match(body['detail'] as string, /Premium/);
      assert.equal(res.headers['retry-after'], undefined, 'no Retry-After on a tier denial');
      assert.deepEqual(app.served, []);
    });

    it('answers from the cache: fifty requests make no License Manager call', async () => {
      const w = world();
      const app = await w.tierApp({ gate: await started() });
      const before = w.calls();
      for (let i = 0; i < 25; i++) {
        await request(app.url).get('/basic').expect(200);
        await request(app.url).get('/premium').expect(403);
      }
      assert.equal(w.calls(), before);
    });

    it('sees an upgrade, then a downgrade, at the next refresh without a restart', async () => {
      const w = world();
      const arn = w.arnOf(SKU);
      const gate = await started();
      const { url } = await w.tierApp({ gate });
      await request(url).get('/premium').expect(403);

      await w.revise(arn, [{ Name: 'Premium', Value: 'Enabled', Unit: 'None' }]);
      await request(url).get('/premium').expect(403); // not before the refresh
      await w.advance(PAST_REFRESH);
      await until(() => gate.tier === 'Premium', 'the upgrade to be seen');
      const res = await request(url).get('/premium').expect(200);
      assert.equal(res.body.tier, 'Premium');
      assert.equal(res.body.hasPremium, true);

      await w.revise(arn, [{ Name: 'Basic', Value: 'Enabled', Unit: 'None' }]);
      await w.advance(PAST_REFRESH);
      await until(() => gate.tier === 'Basic', 'the downgrade to be seen');
      assertProblem(await request(url).get('/intermediate'), {
        status: 403,
        type: 'tier-required',
        fields: { requiredTier: 'Intermediate', currentTier: 'Basic' },
      });
      await request(url).get('/basic').expect(200);
    });

    it('answers 403 no-license when License Manager has no license for the product', async () => {
      const gate = world().gate({ productSku: 'lg-table-not-bought', tiers: TIERS });
      await gate.start();
      const { url } = await world().tierApp({ gate });
      const body = assertProblem(await request(url).get('/basic'), {
        status: 403,
        type: 'no-license',
        code: 'ERR_LG_NO_LICENSE',
      });
      assert.equal(typeof body['reason'], 'string');
    });

    it('serves the last good answer while License Manager is down, then 503 with Retry-After past the grace', async () => {
      const w = world();
      const gate = await started({ graceMs: 20 * MINUTE });
      const { url } = await w.tierApp({ gate });
      w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

      await w.advance(PAST_REFRESH);
      await until(() => gate.status().degraded, 'the failed refresh');
      await request(url).get('/intermediate').expect(200); // within the grace
      await request(url).get('/premium').expect(403); // the grace never grants more

      await w.advance(5 * MINUTE); // 21 minutes after the last good answer
      const res = await request(url).get('/basic');
      assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
      const retryAfter = res.headers['retry-after'];
      assert.match(String(retryAfter), /^[1-9]\d*$/, 'Retry-After in whole seconds');

      w.lm.clearFaults();
      await w.advance(Number(retryAfter) * 1000);
      await until(() => !gate.status().degraded, 'the recovery');
      await request(url).get('/basic').expect(200);
    });

    it('a gate made from options serves the first requests: 25 at once make ONE CheckoutLicense', async () => {
      const w = world();
      const app = await w.tierApp({ gate: w.options({ productSku: SKU, tiers: TIERS }) });
      const answers = await Promise.all(Array.from({ length: 25 }, () => request(app.url).get('/intermediate')));
      assert.deepEqual(
        answers.map((r) => r.status),
        answers.map(() => 200),
      );
      assert.equal(w.calls('CheckoutLicense'), 1);
      assert.equal(app.gate.status().state, 'running');
      assertProblem(await request(app.url).get('/premium'), { status: 403, type: 'tier-required' });
      assert.equal(w.calls('CheckoutLicense'), 1);
    });

    it('the status route: the gate status as JSON, no token, no stack', async () => {
      const { url } = await world().tierApp({ gate: await started() });
      const res = await request(url).get('/status').expect(200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.body.state, 'running');
      assert.equal(res.body.tier, 'Intermediate');
      assert.equal(res.body.productSku, SKU);
      assert.deepEqual(res.body.tiers, TIERS);
      assert.doesNotMatch(res.text, /token/i, 'a status holds no token');
      assertNoStack(res.text);
    });
  });
}
