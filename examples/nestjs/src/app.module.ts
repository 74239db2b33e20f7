import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import type { LicenseGate, LicenseGateOptions } from '@licensegate/core';
import type { LicenseGateService } from '@licensegate/nestjs';
import { InjectLicenseGateService, LicenseGateModule } from '@licensegate/nestjs';
import { LicenseGateHealthIndicator } from '@licensegate/nestjs/terminus';
import { TerminusModule } from '@nestjs/terminus';
import session from 'express-session';

import { AccountController } from './account.controller.js';
import { HealthController } from './health.controller.js';
import { HomeController } from './home.controller.js';
import { ReportsController } from './reports.controller.js';
import { CONSOLE_URL, StatusController } from './status.controller.js';

/** The demo's two AWS Marketplace products: one sold in tiers, one configurable (seats and units). */
export interface DemoGates {
  /** Tiers `Basic < Intermediate < Premium` (product `lg-demo-tiered`). */
  readonly tiers: LicenseGate | LicenseGateOptions;
  /** `ConcurrentUsers` seats and `DataConsumption` units (product `lg-demo-configurable`). */
  readonly usage: LicenseGate | LicenseGateOptions;
}

/** The demo's two gates as options: the module makes them, starts them and stops them. */
export interface DemoGateOptions extends DemoGates {
  readonly tiers: LicenseGateOptions;
  readonly usage: LicenseGateOptions;
}

/**
 * The gates as the demo runs them. No endpoint and no credentials in code: the AWS SDK finds them
 * (`AWS_ENDPOINT_URL_LICENSE_MANAGER` points it at the emulator; on AWS, the instance or task role).
 */
export function demoGates(): DemoGateOptions {
  return {
    tiers: { productSku: 'lg-demo-tiered', tiers: ['Basic', 'Intermediate', 'Premium'] },
    usage: {
      productSku: 'lg-demo-configurable',
      seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
      drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
    },
  };
}

/** What the demo app shows besides its gates. */
export interface DemoAppOptions {
  /** The emulator console's URL, linked from `GET /_status`. */
  readonly consoleUrl?: string | undefined;
}

/** How long a session lives unused; the seats' idle timeout is no longer. */
const SESSION_MAX_AGE_MS = 30 * 60_000;

/**
 * The demo app: a public route, a route per tier, login and logout that take and return a
 * floating seat, a seat-only area, a "backup" that costs drawdown units by size, and status —
 * the Express demo's routes, in Nest.
 */
@Module({})
export class DemoModule implements NestModule {
  constructor(@InjectLicenseGateService('usage') private readonly usage: LicenseGateService) {}

  /** The module with its two gates (made from options, or made by the caller). */
  static register(gates: DemoGates = demoGates(), options: DemoAppOptions = {}): DynamicModule {
    return {
      module: DemoModule,
      imports: [
        LicenseGateModule.forRoot({ name: 'tiers', gate: gates.tiers }),
        LicenseGateModule.forRoot({
          name: 'usage',
          gate: gates.usage,
          seatInfo: (req: Request) => ({ user: req.session.user }),
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HomeController, ReportsController, AccountController, HealthController, StatusController],
      providers: [LicenseGateHealthIndicator, { provide: CONSOLE_URL, useValue: options.consoleUrl ?? null }],
    };
  }

  /** Sessions, whose store returns a destroyed session's seat and moves a regenerated one's. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        session({
          secret: 'licensegate-demo-only',
          resave: false,
          saveUninitialized: false,
          store: this.usage.sessionStore(new session.MemoryStore()),
          cookie: { maxAge: SESSION_MAX_AGE_MS },
        }),
      )
      .forRoutes('*');
  }
}

/**
 * The demo as a Nest app (initialised, not listening): the gates are started and the routes
 * checked. `app.close()` stops the gates (units flushed, seats returned).
 */
export async function createDemoApp(gates?: DemoGates, options: DemoAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(DemoModule.register(gates, options), {
    logger: ['error', 'warn'],
  });
  return app.init();
}
