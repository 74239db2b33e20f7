/**
 * `@licensegate/testkit/express-units`: the adapter table's units (`WorkUnits`) as a function of an
 * Express request and response, for the drivers of adapters on Express (Express, Nest on Express):
 * `(req) => units` read from the query, `(req, res) => units` read from a response header.
 */
import type { Request, Response } from 'express';

import type { WorkUnits } from './adapter-scenarios/index.js';

/** A query value or a header as a string, or undefined. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** The table's units as the Express adapters take them: a number, `(req) => units` or `(req, res) => units`. */
export function expressUnitsOf(units: WorkUnits): number | ((req: Request, res: Response) => number) {
  if (typeof units === 'number') return units;
  if ('ofRequest' in units) {
    const read = units.ofRequest;
    return (req: Request) =>
      read(Object.fromEntries(Object.entries(req.query).map(([name, value]) => [name, text(value)]))) as number;
  }
  const read = units.ofResponse;
  return (_req: Request, res: Response) => read((name) => text(res.getHeader(name))) as number;
}
