/**
 * The adapter table against `@licensegate/express` on Express 4 (4.21.2, the floor of the
 * `^4.21.2` peer range, installed as the `express4` alias): the same tier, seat, drawdown, error
 * and graceful-stop scenarios as on Express 5, through real Express 4 apps.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { runAdapterTable } from '@licensegate/testkit';
import express from 'express';
import express4 from 'express4';

import { expressDriverOf } from './support/express-driver.js';

describe('express 4 (the express4 alias)', () => {
  it('is Express 4.21.2, another module than Express 5', () => {
    const { version } = createRequire(import.meta.url)('express4/package.json') as { version: string };
    assert.equal(version, '4.21.2');
    assert.notEqual(express4, express);
  });
});

runAdapterTable(expressDriverOf(express4, 'express 4'));
