import { Controller, Get, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  AcquireSeat,
  Drawdown,
  License,
  LicenseGateGuard,
  ReleaseSeat,
  RequireSeat,
  UseLicenseGate,
  type RequestLicense,
} from '@licensegate/nestjs';
import type { Request } from 'express';

import { BackupSizeGuard, BadBackupSizeFilter, backupSizeOf } from './backup-size.guard.js';
import { LoginGuard } from './login.guard.js';

/**
 * Login and logout that take and return a floating seat, a seat-only area, and a "backup" that
 * costs drawdown units by size: all on the configurable product's gate. The guards are on each
 * method, so that the login guard runs before the seat is taken.
 */
@Controller()
@UseLicenseGate('usage')
export class AccountController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginGuard, LicenseGateGuard)
  @AcquireSeat()
  login(@Req() req: Request, @License() license: RequestLicense): Record<string, unknown> {
    return { loggedIn: req.session.user, seat: license.seat !== undefined };
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(LicenseGateGuard)
  @ReleaseSeat()
  logout(@Req() req: Request): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) =>
      req.session.destroy((error) => (error ? reject(error as Error) : resolve({ loggedOut: true }))),
    );
  }

  @Get('app')
  @UseGuards(LicenseGateGuard)
  @RequireSeat()
  area(@Req() req: Request): Record<string, unknown> {
    return { area: 'members only', user: req.session.user };
  }

  @Post('backup')
  @HttpCode(200)
  @UseGuards(BackupSizeGuard, LicenseGateGuard) // the app's own input first: a bad size is 400, nothing charged
  @UseFilters(BadBackupSizeFilter)
  @Drawdown('DataConsumption', (req: Request) => backupSizeOf(req))
  backup(@Req() req: Request): Record<string, unknown> {
    return { backedUp: backupSizeOf(req), unit: 'GB' };
  }
}
