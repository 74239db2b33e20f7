/**
 * A controller with a route per tier, as the adapter table's tier app describes it (each handler
 * shows what `@License()` tells it, and records that it ran), plus two routes of the Nest suite's
 * own: `/written` (what licensegate wrote on the request) and `/asserted` (`service.assertTier()`).
 * The same on both platforms: the status route sets its status through Nest's HTTP adapter.
 */
import { Controller, Get, Inject, Req, Res, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';

import { License, LicenseGateGuard, LicenseGateService, RequireTier, type RequestLicense } from '../../src/index.js';

/** The token of the list the tier handlers record their tier in. */
export const SERVED = Symbol('served');

/** What a handler shows of `@License()`. */
function view(license: RequestLicense | undefined): Record<string, unknown> {
  return {
    tier: license?.tier ?? 'no @License()',
    hasPremium: license?.hasTier('Premium'),
    hasBasic: license?.hasTier('Basic'),
    seat: license?.seat ?? null,
  };
}

/** The tier routes, and a status route: 200 while the gate runs, 503 otherwise. */
@Controller()
export class TierController {
  constructor(
    @Inject(SERVED) private readonly served: string[],
    @Inject(LicenseGateService) private readonly license: LicenseGateService,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
  ) {}

  @Get('basic')
  @RequireTier('Basic')
  basic(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Basic');
    return view(license);
  }

  @Get('intermediate')
  @RequireTier('Intermediate')
  intermediate(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Intermediate');
    return view(license);
  }

  @Get('premium')
  @RequireTier('Premium')
  premium(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Premium');
    return view(license);
  }

  @Get('written')
  @RequireTier('Basic')
  written(@Req() req: object, @License() license: RequestLicense | undefined): Record<string, unknown> {
    return { tier: license?.tier ?? null, ownSymbols: Object.getOwnPropertySymbols(req).map(String) };
  }

  @Get('asserted')
  asserted(): { ok: true } {
    this.license.assertTier('Premium');
    return { ok: true };
  }

  @Get('status')
  status(@Res({ passthrough: true }) res: object): unknown {
    const status = this.license.status();
    this.http.httpAdapter.status(res, status.state === 'running' ? 200 : 503);
    return status;
  }
}

/** The tier app's module metadata: the gate's module, the controller, LicenseGateGuard as APP_GUARD. */
export function tierModule(
  gateModule: NonNullable<ModuleMetadata['imports']>[number],
  served: string[] = [],
  extra: ModuleMetadata = {},
): ModuleMetadata {
  const providers: Provider[] = [
    { provide: APP_GUARD, useClass: LicenseGateGuard },
    { provide: SERVED, useValue: served },
    ...(extra.providers ?? []),
  ];
  return {
    imports: [gateModule, ...(extra.imports ?? [])],
    controllers: [TierController, ...(extra.controllers ?? [])],
    providers,
  };
}
