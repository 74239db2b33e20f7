import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate, type AuthOptions } from '../auth/sigv4.js';
import type { LicenseManagerEmulator } from '../emulator.js';
import type { LoggedCall, RequestLog } from '../console/request-log.js';
import type { Fault } from '../faults.js';
import { isModelledOperation } from '../model/service-model.js';
import { OPERATIONS } from '../operations/index.js';
import { AwsError } from '../protocol/aws-error.js';
import { readBody, sendAwsError, sendResult } from './wire.js';

const TARGET_PREFIX = 'AWSLicenseManager.';
const JSON_TYPES = new Set(['application/x-amz-json-1.1', 'application/x-amz-json-1.0', 'application/json']);

function unknownOperation(message: string): AwsError {
  return new AwsError('UnknownOperationException', message);
}

/** The operation an `X-Amz-Target` names, or an UnknownOperationException. */
function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || target === '') {
    throw unknownOperation(
      'The request has no X-Amz-Target header; License Manager expects X-Amz-Target: AWSLicenseManager.<Operation>.',
    );
  }
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!isModelledOperation(operation)) throw unknownOperation(`Unknown operation: ${target}.`);
  if (!OPERATIONS.has(operation)) {
    throw unknownOperation(
      `${operation} is a License Manager operation that licensegate-emulator does not emulate; it emulates ${[...OPERATIONS.keys()].join(', ')}.`,
    );
  }
  return operation;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.');
  }
}

/** Applies the faults that struck: latency first, then a dropped connection or an error. */
async function applyFaults(faults: Fault[], res: ServerResponse): Promise<'dropped' | undefined> {
  if (faults.length === 0) return undefined;
  const latency = faults.reduce((ms, f) => ms + (f.kind === 'latency' ? (f.spec.latencyMs ?? 0) : 0), 0);
  if (latency > 0) await sleep(latency);
  if (faults.some((f) => f.kind === 'drop')) {
    res.socket?.destroy();
    return 'dropped';
  }
  const error = faults.find((f) => f.kind === 'error');
  if (error !== undefined) {
    const name = error.spec.error ?? 'ServerInternalException';
    throw new AwsError(
      name,
      error.spec.message ?? `Injected fault: ${name}.`,
      error.spec.status !== undefined ? { status: error.spec.status } : {},
    );
  }
  return undefined;
}

/** Adds one call to the console's request log. */
function logCall(
  call: { log: RequestLog; started: number; virtualAt: number },
  operation: string | undefined,
  outcome: LoggedCall['outcome'],
  status: number,
  struck: boolean,
  error?: AwsError,
): void {
  call.log.add({
    at: new Date().toISOString(),
    virtualAt: new Date(call.virtualAt).toISOString(),
    operation: operation ?? '(none)',
    outcome,
    status,
    latencyMs: Math.round(performance.now() - call.started),
    ...(error === undefined ? {} : { error: error.name, message: error.message }),
    fault: struck,
  });
}

/**
 * Answers one request of the AWS protocol: `POST /` with `X-Amz-Target`, a JSON body and SigV4.
 * Order: route, read, authenticate, faults before, parse and validate, run, faults after, answer.
 */
export async function handleAwsRequest(
  emulator: LicenseManagerEmulator,
  auth: AuthOptions,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  let operation: string | undefined;
  let struck = false;
  // The console's request log, when recording: nothing is measured or made otherwise.
  const log = emulator.requestLog;
  const call = log === undefined ? undefined : { log, started: performance.now(), virtualAt: emulator.clock.now() };
  try {
    const body = await readBody(req);
    if (req.method !== 'POST' || path !== '/') {
      throw new AwsError(
        'UnknownOperationException',
        `License Manager answers POST / only; got ${req.method ?? ''} ${path}.`,
        { status: 404 },
      );
    }
    operation = operationOf(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!JSON_TYPES.has(contentType)) {
      throw new AwsError(
        'SerializationException',
        `Content-Type must be application/x-amz-json-1.1; got '${contentType}'.`,
      );
    }
    const caller = authenticate({ method: 'POST', path, query, headers: req.headers, body }, operation, auth);
    const before = emulator.faults.strike(operation, 'before');
    struck = before.length > 0;
    if ((await applyFaults(before, res)) === 'dropped') {
      emulator.countCall(operation, true);
      if (call !== undefined) logCall(call, operation, 'dropped', 0, struck);
      return;
    }
    const result = emulator.dispatch(operation, parseJson(body), caller.region);
    const after = emulator.faults.strike(operation, 'after');
    struck ||= after.length > 0;
    if ((await applyFaults(after, res)) === 'dropped') {
      emulator.countCall(operation, true);
      if (call !== undefined) logCall(call, operation, 'dropped', 0, struck);
      return;
    }
    emulator.countCall(operation, false);
    sendResult(res, result);
    if (call !== undefined) logCall(call, operation, 'ok', 200, struck);
  } catch (error) {
    if (operation !== undefined) emulator.countCall(operation, true);
    const awsError =
      error instanceof AwsError
        ? error
        : new AwsError('ServerInternalException', `The emulator failed: ${(error as Error).message}`);
    if (!(error instanceof AwsError)) console.error('licensegate-emulator: internal error', error);
    if (!res.headersSent && !res.destroyed) sendAwsError(res, awsError, emulator.statusCodes);
    if (call !== undefined) logCall(call, operation, 'error', res.statusCode, struck, awsError);
  }
}
