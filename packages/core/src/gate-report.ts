import type { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { DrawdownMeter } from './drawdown/drawdown-meter.js';
import type { LicenseGateStatus, LicenseGateStopReport } from './gate-status.js';
import type { ResolvedOptions } from './options.js';
import type { ClassifiedFailure } from './source/failure-kind.js';
import type { LicenseInfo } from './source/license-source.js';
import type { ProbedOperation, ProbeOutcome } from './source/permission-probe.js';
import { closest } from './validation/unknown-options.js';

/** Which License Manager a gate talks to: its Region, and the endpoint when one is set. */
interface Where {
  readonly region?: string;
  readonly endpoint?: string;
}

/** What the gate knows when start() ends, for the one line that says so. */
export interface StartView {
  readonly status: LicenseGateStatus;
  /** The license as last read (status, validity, entitlements), or `undefined` when none is known. */
  readonly license: LicenseInfo | undefined;
  /** Whether License Manager answered about the license (so `license: undefined` means there is none, not that it could not be read). */
  readonly answered: boolean;
  readonly drawdown: DrawdownMeter | undefined;
}

/** Why a gate needs each probed action, and what goes wrong without it. */
const NEEDED_FOR: Readonly<Record<ProbedOperation, string>> = {
  CheckInLicense:
    'returns seats at logout, idle timeout and stop; without it each seat stays taken until its lease ends (up to an hour), so a few logins use up every seat',
  ExtendLicenseConsumption:
    'keeps seats alive past their lease; without it every seat is lost at its first keep-alive and the next request takes a second one',
};

/** The region and endpoint of a client, best effort (a client-like object may have no config). */
async function whereOf(client: LicenseManagerClient): Promise<Where> {
  const config = (client as Partial<LicenseManagerClient>).config;
  const where: { region?: string; endpoint?: string } = {};
  try {
    const region = await config?.region?.();
    if (typeof region === 'string') where.region = region;
  } catch {
    // no Region configured: the SDK says so at the first call
  }
  try {
    const endpoint = await config?.endpoint?.();
    if (endpoint !== undefined) {
      const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
      where.endpoint = `${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path === '/' ? '' : endpoint.path}`;
    }
  } catch {
    // no endpoint override
  }
  where.endpoint ??= process.env['AWS_ENDPOINT_URL_LICENSE_MANAGER'] ?? process.env['AWS_ENDPOINT_URL'] ?? undefined;
  if (where.endpoint === undefined) delete where.endpoint;
  return where;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function day(ms: number | undefined): string {
  return ms === undefined ? 'no end date' : `valid until ${new Date(ms).toISOString()}`;
}

/**
 * What a gate tells its logger about its own life, one line per step: `licensegate.gate.start_waiting`
 * when start() retries a License Manager call (once per start), `licensegate.gate.permission_missing`
 * when a probe found an IAM action the configuration needs missing, `licensegate.license.entitlement_not_found`
 * when the license lacks a configured seat or drawdown entitlement, `licensegate.gate.started` when
 * start() has finished (the license, tier, seats and dimensions found), and `licensegate.gate.stopped`
 * (what stop() returned and reported).
 */
export class GateReport {
  readonly #options: ResolvedOptions;
  #starting = false;
  #toldWaiting = false;
  #startedAt = 0;
  #where: Promise<Where> = Promise.resolve({});
  #whereKnown: Where = {};

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  /** start() began: retries are told of from now until {@link started}. */
  beginStart(): void {
    this.#starting = true;
    this.#startedAt = performance.now();
    this.#where = whereOf(this.#options.client).then((where) => (this.#whereKnown = where));
  }

  /** Resolves once the Region and endpoint are known (a step of start(), before {@link started}). */
  async ready(): Promise<void> {
    await this.#where;
  }

  /** A License Manager call failed transiently and will be tried again: said once per start, while starting. */
  retrying(operation: string, failure: ClassifiedFailure, attempt: number): void {
    if (!this.#starting || this.#toldWaiting) return;
    this.#toldWaiting = true;
    const { retry, onUnavailable, productSku, logger } = this.#options;
    void this.#where.then((where) =>
      logger.info(
        {
          event: 'licensegate.gate.start_waiting',
          productSku,
          operation,
          error: failure.name,
          detail: failure.message,
          attempt,
          attempts: retry.attempts,
          retryForMs: retry.deadlineMs,
          ...where,
        },
        `start() is waiting for License Manager${where.endpoint !== undefined ? ` at ${where.endpoint}` : where.region !== undefined ? ` in ${where.region}` : ''}: ${operation} failed (${failure.name}); retrying (up to ${retry.attempts} attempts within ${duration(retry.deadlineMs)}, the retry option), then the gate starts under the '${onUnavailable}' failure policy`,
      ),
    );
  }

  /** What the permission probe found: one warning naming every missing action, with the IAM statement to add. */
  permissions(outcomes: readonly ProbeOutcome[]): void {
    const { logger, productSku } = this.#options;
    for (const unknown of outcomes.filter((o) => o.outcome === 'unknown')) {
      logger.debug(
        {
          event: 'licensegate.gate.permission_unchecked',
          productSku,
          operation: unknown.operation,
          error: unknown.error,
        },
        `Could not tell whether the role may call ${unknown.operation} (${unknown.error ?? 'no answer'}); the next start tries again`,
      );
    }
    const denied = outcomes.filter((o) => o.outcome === 'denied');
    if (denied.length === 0) return;
    const actions = denied.map((o) => `license-manager:${o.operation}`);
    const statement = { Effect: 'Allow', Action: actions, Resource: '*' };
    logger.warn(
      {
        event: 'licensegate.gate.permission_missing',
        productSku,
        actions,
        error: denied[0]?.error,
        detail: denied[0]?.message,
        statement,
      },
      `The role the app runs with lacks ${actions.join(' and ')}, which the gate's seats need: ${denied
        .map((o) => `${o.operation} ${NEEDED_FOR[o.operation]}`)
        .join('; ')}. Add this statement to the role's IAM policy: ${JSON.stringify(statement)}`,
    );
  }

  /** start() has finished: the entitlements the license lacks (a warning each), then the one line that says what was found. */
  started(view: StartView): void {
    this.#starting = false;
    const startMs = Math.round(performance.now() - this.#startedAt);
    this.#entitlementsNotFound(view.license);
    const fields = this.#startedFields(view, this.#whereKnown, startMs);
    this.#options.logger.info(fields, this.#startedMessage(view, fields));
  }

  /** stop() has finished: what it returned and reported. */
  stopped(report: LicenseGateStopReport): void {
    const units = Object.entries(report.unitsReported)
      .map(([dimension, n]) => `${n} ${dimension}`)
      .join(', ');
    const unreported = Object.entries(report.unreportedUnits)
      .map(([dimension, n]) => `${n} ${dimension}`)
      .join(', ');
    const parts = [
      this.#options.seats === undefined ? undefined : `${report.seatsReturned} seats returned`,
      report.seatsHandedOver > 0 ? `${report.seatsHandedOver} handed over to other instances` : undefined,
      report.seatsLeft - report.seatsHandedOver > 0
        ? `${report.seatsLeft - report.seatsHandedOver} left for License Manager's lease to end`
        : undefined,
      this.#options.drawdown.size === 0 ? undefined : `units reported: ${units === '' ? 'none' : units}`,
      unreported === '' ? undefined : `not reported: ${unreported}`,
      report.drained ? undefined : 'requests still open at drainTimeoutMs were not charged',
    ].filter((part) => part !== undefined);
    this.#options.logger.info(
      { event: 'licensegate.gate.stopped', productSku: this.#options.productSku, ...report },
      `The gate stopped${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`,
    );
  }

  #entitlementsNotFound(license: LicenseInfo | undefined): void {
    if (license === undefined) return;
    const { seats, drawdown, logger, productSku } = this.#options;
    const names = license.entitlements.map((e) => e.name);
    const configured = [
      ...(seats === undefined ? [] : [{ entitlement: seats.entitlement, option: 'seats.entitlement' }]),
      ...[...drawdown.keys()].map((name) => ({ entitlement: name, option: `drawdown.${name}` })),
    ];
    for (const { entitlement, option } of configured) {
      if (names.includes(entitlement)) continue;
      const suggestion = closest(entitlement, names);
      logger.warn(
        {
          event: 'licensegate.license.entitlement_not_found',
          productSku,
          entitlement,
          option,
          licenseArn: license.arn,
          entitlements: names,
          ...(suggestion !== undefined ? { suggestion } : {}),
        },
        `The license has no entitlement '${entitlement}' (${option}): every checkout of it will be refused. It has: ${names.join(', ') || 'none'}${suggestion !== undefined ? ` — did you mean '${suggestion}'?` : ''}`,
      );
    }
  }

  #startedFields(view: StartView, where: Where, startMs: number): Record<string, unknown> {
    const { status, license, drawdown } = view;
    const { seats, tiers, keyFingerprint, productSku } = this.#options;
    const entitlement = (name: string): { found: boolean | null; max: number | null } => {
      const found = license?.entitlements.find((e) => e.name === name);
      return { found: license === undefined ? null : found !== undefined, max: found?.maxCount ?? null };
    };
    const dimensions: Record<string, unknown> = {};
    for (const [name, dimension] of this.#options.drawdown) {
      const stats = drawdown?.stats(name);
      dimensions[name] = {
        mode: dimension.mode,
        unit: dimension.unit,
        ...entitlement(name),
        exhausted: stats?.exhausted ?? false,
        pending: stats?.pending ?? 0,
      };
    }
    return {
      event: 'licensegate.gate.started',
      productSku,
      keyFingerprint,
      ...where,
      license:
        license === undefined
          ? null
          : {
              arn: license.arn,
              status: license.status,
              version: license.version ?? null,
              validFrom: iso(license.validFrom),
              validUntil: iso(license.validUntil),
            },
      ...(tiers.length > 0 ? { tier: status.tier, tiers, reason: status.reason } : {}),
      ...(seats === undefined
        ? {}
        : {
            seats: {
              entitlement: seats.entitlement,
              unit: seats.unit,
              ...entitlement(seats.entitlement),
              heldHere: status.seats?.heldHere ?? 0,
            },
          }),
      ...(this.#options.drawdown.size === 0 ? {} : { drawdown: dimensions }),
      degraded: status.degraded,
      policy: status.policy,
      startMs,
    };
  }

  #startedMessage(view: StartView, fields: Record<string, unknown>): string {
    const { status, license } = view;
    const parts: string[] = [];
    if (license === undefined) {
      parts.push(
        status.degraded || !view.answered
          ? `no answer from License Manager about the license yet (requests follow the '${status.policy}' failure policy)`
          : 'no license found for this productSku and keyFingerprint',
      );
    } else {
      parts.push(`license ${license.arn} ${license.status}, ${day(license.validUntil)}`);
    }
    if (this.#options.tiers.length > 0) {
      parts.push(status.tier === null ? `no tier (${status.reason ?? 'unknown'})` : `tier ${status.tier}`);
    }
    const max = (found: boolean | null, n: number | null): string =>
      found === false ? 'not on the license' : `max ${n ?? 'unknown'}`;
    const seats = fields['seats'] as
      { entitlement: string; found: boolean | null; max: number | null; heldHere: number } | undefined;
    if (seats !== undefined) {
      parts.push(
        `seats ${seats.entitlement} (${max(seats.found, seats.max)}${seats.heldHere > 0 ? `, ${seats.heldHere} held here` : ''})`,
      );
    }
    const dimensions = (fields['drawdown'] ?? {}) as Record<
      string,
      { mode: string; found: boolean | null; max: number | null; exhausted: boolean }
    >;
    for (const [name, d] of Object.entries(dimensions)) {
      parts.push(`drawdown ${name} (${d.mode}, ${max(d.found, d.max)}${d.exhausted ? ', used up' : ''})`);
    }
    return `The gate started: ${parts.join('; ')}`;
  }
}
