/**
 * The units functions of `@licensegate/express`'s `drawdown()` get their parameter types from the
 * package's published types, in the forms a user writes — inline in `lg.drawdown(...)` and declared
 * on their own as `DrawdownUnits` — under `strict` and every module resolution an app may use
 * (`node16`, `nodenext`, `bundler`, and `node10`, which does not read package `exports`). A trial as
 * a new user once met TS7006 (an implicit `any` parameter) on `(req, res) => res.locals.gigabytes` in
 * one setup and not another: the type came from `@licensegate/core/http`, which `node10` cannot see.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The forms, each with a check that its parameters are Express's (an `any` would not fail `@ts-expect-error`). */
const APP = `
import express from 'express';
import { licenseGate, type DrawdownUnits } from '@licensegate/express';

const lg = licenseGate({ productSku: 'prod-abc123', drawdown: { DataConsumption: { mode: 'batch' } } });
const app = express();

app.post('/export', lg.drawdown('DataConsumption', (req, res) => res.locals.gigabytes), (req, res) => res.end());
app.post('/backup', lg.drawdown('DataConsumption', (req) => Number(req.query.gb)), (req, res) => res.end());
app.post('/convert', lg.drawdown('DataConsumption', 1), (req, res) => res.end());

export const sent: DrawdownUnits = (req, res) => res.locals.gigabytes;
export const asked: DrawdownUnits = (req) => Number(req.query.gb);
app.post('/both', lg.drawdown('DataConsumption', sent), lg.drawdown('DataConsumption', asked));

// Typed, not any: these must be errors.
// @ts-expect-error -- a Request has no \`nope\`
lg.drawdown('DataConsumption', (req) => req.nope);
// @ts-expect-error -- a Response has no \`nope\`
export const wrong: DrawdownUnits = (req, res) => res.nope;
`;

/** Each resolution with the module kind it goes with, and the file extension of a module there. */
const SETUPS: readonly { name: string; module: ts.ModuleKind; resolution: ts.ModuleResolutionKind; ext: string }[] = [
  { name: 'node16', module: ts.ModuleKind.Node16, resolution: ts.ModuleResolutionKind.Node16, ext: 'mts' },
  { name: 'nodenext', module: ts.ModuleKind.NodeNext, resolution: ts.ModuleResolutionKind.NodeNext, ext: 'mts' },
  { name: 'bundler', module: ts.ModuleKind.ESNext, resolution: ts.ModuleResolutionKind.Bundler, ext: 'ts' },
  { name: 'node10', module: ts.ModuleKind.CommonJS, resolution: ts.ModuleResolutionKind.Node10, ext: 'ts' },
];

describe('@licensegate/express: units functions are typed by the published types, inline and standalone', function () {
  this.timeout(60_000);
  let work: string;

  before(() => {
    // Inside the repository, so that the app resolves the workspace's packages as an app does.
    const buildTest = join(ROOT, 'test', 'build-test');
    mkdirSync(buildTest, { recursive: true });
    work = mkdtempSync(join(buildTest, 'units-types-'));
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  for (const setup of SETUPS) {
    it(`moduleResolution ${setup.name}: no implicit any, and the parameters are Express's`, () => {
      const file = join(work, `app-${setup.name}.${setup.ext}`);
      writeFileSync(file, APP);
      const program = ts.createProgram([file], {
        strict: true,
        module: setup.module,
        moduleResolution: setup.resolution,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts'],
        types: ['node'],
        esModuleInterop: true,
        // node10 cannot resolve the packages' `exports` subpaths in their own declarations: that is
        // the setup with skipLibCheck, where the user met TS7006.
        skipLibCheck: true,
        ignoreDeprecations: '6.0',
        noEmit: true,
      });
      const found = ts
        .getPreEmitDiagnostics(program)
        .filter((diagnostic) => diagnostic.file?.fileName === file || diagnostic.file === undefined)
        .map((diagnostic) => {
          const at = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
          const where = at === undefined ? '' : `${relative(ROOT, file)}:${at.line + 1}: `;
          return `${where}TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
        });
      assert.deepEqual(found, []);
    });
  }
});
