import { Controller, Get, UseGuards } from '@nestjs/common';
import { License, LicenseGateGuard, RequireTier, UseLicenseGate, type RequestLicense } from '@licensegate/nestjs';

/** A route per tier, on the tiered product's gate. */
@Controller('reports')
@UseLicenseGate('tiers')
@UseGuards(LicenseGateGuard)
export class ReportsController {
  @Get('basic')
  @RequireTier('Basic')
  basic(@License() license: RequestLicense): Record<string, unknown> {
    return { report: 'basic', tier: license.tier };
  }

  @Get('premium')
  @RequireTier('Premium')
  premium(@License() license: RequestLicense): Record<string, unknown> {
    return { report: 'premium', tier: license.tier };
  }
}
