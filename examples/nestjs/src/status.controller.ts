import { Controller, Get, Header, Inject, Post, Redirect } from '@nestjs/common';
import type { LicenseGateService } from '@licensegate/nestjs';
import { InjectLicenseGateService } from '@licensegate/nestjs';
import { statusPage } from '@licensegate/example-express/status-page';

/** The injection token of the emulator console's URL (or `null`), linked from `GET /_status`. */
export const CONSOLE_URL = Symbol('licensegate-demo.console-url');

/**
 * The app's own side as a small page, the same as the Express demo's: each gate's readiness, the
 * counters its metrics read, its `status()` and a link to the emulator's console; and a refresh of
 * both licenses now.
 */
@Controller('_status')
export class StatusController {
  constructor(
    @InjectLicenseGateService('tiers') private readonly tiers: LicenseGateService,
    @InjectLicenseGateService('usage') private readonly usage: LicenseGateService,
    @Inject(CONSOLE_URL) private readonly consoleUrl: string | null,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return statusPage({ tiers: this.tiers.gate, usage: this.usage.gate }, this.consoleUrl ?? undefined);
  }

  @Post('refresh')
  @Redirect('/_status', 303)
  async refresh(): Promise<void> {
    await Promise.all([this.tiers.gate.refresh(), this.usage.gate.refresh()]);
  }
}
