/**
 * The metadata keys under which Nest's own decorators store a route's path (`@Get()` and its
 * siblings), its guards (`@UseGuards()`) and its interceptors (`@UseInterceptors()`), read with
 * `Reflector`. `@nestjs/common` does not export them at its root (Nest 12 keeps them in
 * `@nestjs/common/internal`, "not part of the public API"), so they are spelled here: the same strings
 * from Nest 10 to 12. A rename would fail the boot-check specs (guard-order.spec.ts, module.spec.ts).
 */
export const NEST_METADATA = {
  /** `@Get()`, `@Post()`…: the route's path; a method without it is no route. */
  path: 'path',
  /** `@UseGuards()` on a controller or a method: the guards, as listed. */
  guards: '__guards__',
  /** `@UseInterceptors()` on a controller or a method: the interceptors, as listed. */
  interceptors: '__interceptors__',
} as const;
