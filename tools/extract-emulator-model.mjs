#!/usr/bin/env node
// Extracts the slice of the botocore License Manager model that the emulator needs and writes it to
// packages/emulator/src/model/service-model.json.
//
// Usage (from the repository root):
//   node tools/extract-emulator-model.mjs path/to/license-manager-2018-08-01.json
//
// The source is botocore's License Manager model (`botocore/data/license-manager/2018-08-01/service-2.json`
// in the botocore package, decompressed if it is gzipped).
//
// The output holds:
//   - `metadata`: the model's metadata, unchanged;
//   - `operations`: the names of ALL operations of the model (sorted), so the server can tell
//     "modelled but not emulated" from "unknown";
//   - `emulatedOperations`: for each emulated operation, its `input`/`output` shape names and the
//     names of its `errors` (model order);
//   - `shapes`: every shape reachable from those inputs, outputs and errors, without any
//     `documentation` strings.
//
// Object keys are sorted, except the keys of a structure's `members`, which keep the model's
// declaration order: that order is meaningful (validation errors are reported in it, as AWS does).
// The output is deterministic: 2-space indent and a trailing newline.
//
// The script also prints a report of every string `pattern` reachable from an emulated input,
// saying whether it compiles as a JavaScript RegExp and flagging constructs that mean something
// different in Java (the service's regex dialect) and in JavaScript.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = resolve(ROOT, 'packages/emulator/src/model/service-model.json');

/** The operations the emulator implements. */
const EMULATED = [
  'CheckoutLicense',
  'CheckInLicense',
  'ExtendLicenseConsumption',
  'GetLicense',
  'ListReceivedLicenses',
  'CheckoutBorrowLicense',
  'CreateLicense',
  'CreateLicenseVersion',
  'GetLicenseUsage',
  'ListLicenses',
  'ListLicenseVersions',
  'DeleteLicense',
];

/** Names of the shapes a shape refers to (list member, map key/value, structure members). */
function referencedShapes(shape) {
  const refs = [];
  for (const key of ['member', 'key', 'value']) {
    if (shape[key]) refs.push(shape[key].shape);
  }
  for (const member of Object.values(shape.members ?? {})) refs.push(member.shape);
  return refs;
}

/** Adds `name` and everything reachable from it to `seen`. */
function collect(shapes, name, seen) {
  if (seen.has(name)) return;
  const shape = shapes[name];
  if (!shape) throw new Error(`Shape ${name} is referenced but not defined in the model`);
  seen.add(name);
  for (const ref of referencedShapes(shape)) collect(shapes, ref, seen);
}

/** Sorts object keys recursively and drops `documentation`; `members` keeps its own order. */
function normalise(value, keepOrder = false) {
  if (Array.isArray(value)) return value.map((item) => normalise(item));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).filter((key) => key !== 'documentation');
  if (!keepOrder) keys.sort();
  const out = {};
  for (const key of keys) out[key] = normalise(value[key], key === 'members');
  return out;
}

/** Builds the emulator model from the full botocore model. */
function extract(model) {
  const operations = Object.keys(model.operations).sort();
  const emulatedOperations = {};
  const seen = new Set();
  for (const name of EMULATED) {
    const op = model.operations[name];
    if (!op) throw new Error(`Operation ${name} is not in the model`);
    const entry = { errors: (op.errors ?? []).map((error) => error.shape) };
    if (op.input) entry.input = op.input.shape;
    if (op.output) entry.output = op.output.shape;
    emulatedOperations[name] = entry;
    for (const shapeName of [entry.input, entry.output, ...entry.errors]) {
      if (shapeName) collect(model.shapes, shapeName, seen);
    }
  }
  const shapes = {};
  for (const name of [...seen].sort()) shapes[name] = model.shapes[name];
  return normalise({ metadata: model.metadata, operations, emulatedOperations, shapes });
}

/** Constructs whose meaning differs between Java and JavaScript regexes. */
const DIALECT_NOTES = [
  [/\\[sS]/, '\\s/\\S: Java whitespace is [ \\t\\n\\x0B\\f\\r]; JS \\s also matches Unicode spaces'],
  [/\\[pP]\{/, '\\p{..}: needs the u flag in JS; Java POSIX names (Alpha, Alnum...) do not exist'],
  [/\\[hHvRXzZAG]|\\Q|\(\?[a-z]*[isxmu]/, 'Java-only escape or inline flag'],
  [/\[[^\]]*\[/, 'nested character class (Java union) has no JS equivalent'],
  [/\[[^\]]* [^\]]*\]/, 'space inside a character class (likely a typo)'],
  [/\)\+\$$/, 'repeated group right before $ (likely a typo)'],
];

/** Prints each pattern reachable from an emulated input, with compile and dialect checks. */
function reportPatterns(model, extracted) {
  const inputs = new Set();
  for (const op of Object.values(extracted.emulatedOperations)) {
    if (op.input) collect(model.shapes, op.input, inputs);
  }
  const lines = [];
  for (const name of [...inputs].sort()) {
    const pattern = model.shapes[name].pattern;
    if (pattern === undefined) continue;
    let status = 'compiles in JS';
    try {
      new RegExp(`^(?:${pattern})$`, /\\[pP]\{/.test(pattern) ? 'u' : '');
    } catch (error) {
      status = `DOES NOT COMPILE in JS: ${error.message}`;
    }
    const notes = DIALECT_NOTES.filter(([re]) => re.test(pattern)).map(([, note]) => note);
    lines.push(`  ${name}: ${JSON.stringify(pattern)}\n    ${[status, ...notes].join('\n    ')}`);
  }
  console.log(`Patterns reachable from emulated inputs:\n${lines.join('\n')}`);
}

function main() {
  if (process.argv[2] === undefined) {
    console.error(
      'usage: node tools/extract-emulator-model.mjs path/to/license-manager-2018-08-01.json (botocore model)',
    );
    process.exit(2);
  }
  const source = resolve(process.argv[2]);
  const model = JSON.parse(readFileSync(source, 'utf8'));
  const extracted = extract(model);
  mkdirSync(dirname(TARGET), { recursive: true });
  writeFileSync(TARGET, `${JSON.stringify(extracted, null, 2)}\n`);
  const shapeCount = Object.keys(extracted.shapes).length;
  console.log(
    `Wrote ${TARGET}: ${EMULATED.length} of ${extracted.operations.length} operations, ${shapeCount} shapes.`,
  );
  reportPatterns(model, extracted);
}

main();
