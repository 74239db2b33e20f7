/**
 * On Nest's Fastify platform, a seat follows its session object (`@fastify/session`,
 * `@fastify/secure-session`): `destroy()` / `delete()` return the seat, `regenerate()` keeps it,
 * in whatever route the app does it — core's `SeatSteps.follow()` on each request, from a
 * `preHandler` hook on the app's Fastify instance (after the session plugins' `onRequest` hooks).
 * The instance is recognised by shape through Nest's HTTP adapter: the package does not depend on
 * Fastify. On Express nothing is added: express-session's store is hooked instead
 * (`LicenseGateService.sessionStore`).
 */
import type { SeatSteps } from '@licensegate/core/http';

/** A Fastify hook's completion callback. */
type Done = (error?: Error) => void;

/** The little of a Fastify instance this file uses. */
interface FastifyLike {
  addHook(name: 'preHandler', hook: (request: object, reply: unknown, done: Done) => void): unknown;
  decorateRequest: unknown;
}

/** Whether the HTTP adapter's instance is a Fastify instance (Express's app has no hooks). */
function isFastify(instance: unknown): instance is FastifyLike {
  const candidate = instance as Partial<FastifyLike> | null | undefined;
  return typeof candidate?.addHook === 'function' && typeof candidate.decorateRequest === 'function';
}

/**
 * Adds the hook that makes each request's session seat follow its session object, when the app
 * runs on Fastify. Costs a session field read per request.
 * @param instance - the HTTP adapter's instance (`httpAdapter.getInstance()`), of any platform
 * @returns whether the hook was added (the app is on Fastify)
 */
export function followFastifySessions(instance: unknown, steps: SeatSteps): boolean {
  if (!isFastify(instance)) return false;
  instance.addHook('preHandler', function licensegateFollowSession(request, _reply, done) {
    steps.follow(request);
    done();
  });
  return true;
}
