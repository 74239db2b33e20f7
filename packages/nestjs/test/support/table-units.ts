/**
 * The adapter table's units (`WorkUnits`) as `@Drawdown` takes them on either platform, through the
 * module's own request and response types (`LicenseGateRequest`, `LicenseGateResponse`): the query
 * of Express's request and of Fastify's, a header of Express's response and of Fastify's reply.
 */
import type { WorkUnits } from '@licensegate/testkit';

import type { DrawdownUnits, LicenseGateRequest, LicenseGateResponse } from '../../src/index.js';

/** A query value or a header as a string, or undefined. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** The table's units as `@Drawdown` takes them: a number, `(req) => units` or `(req, res) => units`. */
export function tableUnitsOf(units: WorkUnits): DrawdownUnits {
  if (typeof units === 'number') return units;
  if ('ofRequest' in units) {
    const read = units.ofRequest;
    return (req: LicenseGateRequest) =>
      read(Object.fromEntries(Object.entries(req.query).map(([name, value]) => [name, text(value)]))) as number;
  }
  const read = units.ofResponse;
  return (_req: LicenseGateRequest, res: LicenseGateResponse) => read((name) => text(res.getHeader(name))) as number;
}
