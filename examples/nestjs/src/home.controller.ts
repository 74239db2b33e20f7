import { Controller, Get } from '@nestjs/common';
import type { LicenseGateService } from '@licensegate/nestjs';
import { InjectLicenseGateService } from '@licensegate/nestjs';

/** A public route, and both gates' status. */
@Controller()
export class HomeController {
  constructor(
    @InjectLicenseGateService('tiers') private readonly tiers: LicenseGateService,
    @InjectLicenseGateService('usage') private readonly usage: LicenseGateService,
  ) {}

  @Get()
  home(): Record<string, unknown> {
    return { hello: 'anyone may see this', tier: this.tiers.tier };
  }

  @Get('status')
  status(): Record<string, unknown> {
    return { tiers: this.tiers.status(), usage: this.usage.status() };
  }
}
