import type { ServerResponse } from 'node:http';

import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { LicenseGate, SeatView } from '@licensegate/core';
import type { SeatSteps } from '@licensegate/core/http';

import { deny } from './deny.js';
import type { SeatStep } from './route-config.js';

/** How the plugin keys and describes seats (its `seatKey` and `seatInfo` options). */
export interface SeatIdentity {
  /** The seat's key for a request (e.g. the user id: a user's sessions share one seat); default: the session. */
  readonly seatKey?: ((request: FastifyRequest) => string | undefined) | undefined;
  /** Small JSON about the holder, shown by `gate.seats.held()`. */
  readonly seatInfo?: ((request: FastifyRequest) => unknown) | undefined;
}

/** Records the seat a seat step found on the request (`request.license.seat`); `undefined` after a release. */
export type SeatRecorder = (request: FastifyRequest, seat: SeatView | undefined) => void;

/** Runs a seat step for a request; what it resolves to is the request's seat after it. */
function runStep(
  steps: SeatSteps,
  step: SeatStep,
  identity: SeatIdentity,
  request: FastifyRequest,
  res: ServerResponse,
): Promise<SeatView | undefined> {
  const seatRequest = { request, userKey: identity.seatKey?.(request) };
  if (step === 'acquire') return steps.acquire(seatRequest, res, identity.seatInfo?.(request));
  if (step === 'require') return steps.require(seatRequest);
  return steps.release(seatRequest).then(() => undefined);
}

/**
 * The `preHandler` hook of a route with `seat` (appended after the route's own `preHandler` hooks,
 * so it runs after the app's login): the seat step from core's {@link SeatSteps} (a gate without
 * seats throws `ERR_LG_NO_SEATS` here, at route registration), a 403 / 429 / 503 problem answer
 * when it refuses. A release never fails the request.
 */
export function seatHook(
  gate: LicenseGate,
  steps: SeatSteps,
  step: SeatStep,
  identity: SeatIdentity,
  record: SeatRecorder,
): preHandlerHookHandler {
  steps.declare();
  return function licensegateSeat(request, reply, done) {
    let running: Promise<SeatView | undefined>;
    try {
      running = runStep(steps, step, identity, request, reply.raw);
    } catch (error) {
      return deny(gate, request, reply, done, error);
    }
    running.then(
      (seat) => {
        record(request, seat);
        done();
      },
      (error: unknown) => {
        // A client gone while its request waited for a seat took none; there is no one to answer.
        if (reply.raw.destroyed && !reply.raw.writableFinished) return;
        deny(gate, request, reply, done, error);
      },
    );
  };
}

/**
 * The plugin's `preHandler` hook for every route of an app whose gate has seats: a session that
 * holds a seat is followed for the request, so that `request.session.destroy()` (or secure-session's
 * `delete()`) returns the seat and `regenerate()` keeps it, in whatever route the app does it.
 * Costs a session field read per request.
 */
export function followHook(steps: SeatSteps): preHandlerHookHandler {
  return function licensegateFollowSession(request, _reply, done) {
    steps.follow(request);
    done();
  };
}
