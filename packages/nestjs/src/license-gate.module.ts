import { Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import {
  APP_FILTER,
  ApplicationConfig,
  DiscoveryModule,
  DiscoveryService,
  HttpAdapterHost,
  MetadataScanner,
  ModuleRef,
  Reflector,
} from '@nestjs/core';
import { assertKnownOptions } from '@licensegate/core/http';

import { DEFAULT_GATE_NAME } from './license-gate.constants.js';
import { optionsError } from './license-gate.errors.js';
import { LicenseGateExceptionFilter } from './license-gate.filter.js';
import { LicenseGateLifecycle } from './license-gate.lifecycle.js';
import type { LicenseGateRequest, LicenseGateResponse } from './license-gate.http.js';
import {
  checkGateName,
  checkModuleOptions,
  type CheckedModuleOptions,
  type LicenseGateModuleAsyncOptions,
  type LicenseGateModuleExtras,
  type LicenseGateModuleOptions,
  type LicenseGateOptionsFactory,
} from './license-gate.options.js';
import { LicenseGateService } from './license-gate.service.js';
import { getLicenseGateOptionsToken, getLicenseGateServiceToken, getLicenseGateToken } from './license-gate.tokens.js';

const ASYNC_KEYS = ['name', 'isGlobal', 'imports', 'useFactory', 'inject', 'useClass', 'useExisting'];
const EXTRAS = ['name', 'isGlobal'];

/**
 * The licensegate module: one gate (or one per `name`), started with the module and stopped on
 * application shutdown, with its `LicenseGateService`, the gate itself under a Symbol token, and
 * `LicenseGateExceptionFilter` registered globally. Enforcement is by `LicenseGateGuard` and
 * `LicenseGateInterceptor`, which the app registers (globally or per controller).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [LicenseGateModule.forRoot({ gate: { productSku: 'prod-abc123', tiers: ['Basic', 'Premium'] } })],
 *   providers: [{ provide: APP_GUARD, useClass: LicenseGateGuard }],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class LicenseGateModule {
  /**
   * Registers a gate with options known up front. The options are checked at once.
   * @throws LicenseGateConfigurationError for a wrongly shaped option
   */
  static forRoot<Req = LicenseGateRequest, Res = LicenseGateResponse>(
    options: LicenseGateModuleOptions<Req, Res> & LicenseGateModuleExtras,
  ): DynamicModule {
    const source = 'LicenseGateModule.forRoot()';
    const checked = checkModuleOptions(options, source, EXTRAS);
    const name = checkGateName(options.name ?? DEFAULT_GATE_NAME, source);
    return gateModule(
      name,
      options.isGlobal === true,
      [],
      [{ provide: getLicenseGateOptionsToken(name), useValue: checked }],
    );
  }

  /**
   * Registers a gate whose options come from other providers (e.g. `ConfigService`), with exactly
   * one of `useFactory` (plus `inject`), `useClass` or `useExisting`. What they return is checked
   * when the app boots: a wrong shape fails the boot with a message that says what was expected.
   */
  static forRootAsync<Req = LicenseGateRequest, Res = LicenseGateResponse>(
    options: LicenseGateModuleAsyncOptions<Req, Res>,
  ): DynamicModule {
    if (options === null || typeof options !== 'object') {
      throw optionsError(
        'ERR_LG_OPTIONS',
        'LicenseGateModule.forRootAsync() takes { imports?, useFactory, inject? } or { useClass } or { useExisting }.',
      );
    }
    assertKnownOptions(
      options,
      ASYNC_KEYS,
      (message) => {
        throw optionsError('ERR_LG_OPTION_UNKNOWN', `LicenseGateModule.forRootAsync(): ${message}`);
      },
      { known: ASYNC_KEYS },
    );
    const kinds = (['useFactory', 'useClass', 'useExisting'] as const).filter((kind) => options[kind] !== undefined);
    const [kind] = kinds;
    if (kinds.length !== 1 || kind === undefined) {
      throw optionsError(
        'ERR_LG_OPTIONS',
        `LicenseGateModule.forRootAsync() needs exactly one of useFactory, useClass, useExisting; got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}.`,
      );
    }
    if (kind !== 'useFactory' && options.inject !== undefined) {
      throw optionsError(
        'ERR_LG_OPTIONS',
        `LicenseGateModule.forRootAsync(): inject goes with useFactory, not with ${kind}.`,
      );
    }
    const name = checkGateName(options.name ?? DEFAULT_GATE_NAME, 'LicenseGateModule.forRootAsync()');
    const provide = getLicenseGateOptionsToken(name);
    const source = `LicenseGateModule.forRootAsync() ${kind}`;
    const providers: Provider[] = [];
    if (kind === 'useFactory') {
      const factory = options.useFactory as (...args: unknown[]) => unknown;
      providers.push({
        provide,
        useFactory: async (...args: unknown[]) => checkModuleOptions(await factory(...args), source),
        inject: options.inject ?? [],
      });
    } else {
      const token = (kind === 'useClass' ? options.useClass : options.useExisting) as InjectionToken<
        LicenseGateOptionsFactory<Req, Res>
      >;
      if (kind === 'useClass')
        providers.push({ provide: token, useClass: options.useClass as NonNullable<typeof options.useClass> });
      providers.push({
        provide,
        useFactory: async (factory: LicenseGateOptionsFactory<Req, Res>) => {
          if (typeof factory?.createLicenseGateOptions !== 'function') {
            throw optionsError('ERR_LG_OPTIONS', `${source}: the provider has no createLicenseGateOptions() method.`);
          }
          return checkModuleOptions(await factory.createLicenseGateOptions(), `${source} createLicenseGateOptions()`);
        },
        inject: [token],
      });
    }
    return gateModule(name, options.isGlobal === true, options.imports ?? [], providers);
  }
}

/** The module of one gate: its options, service, gate, lifecycle, and the problem filter. */
function gateModule(
  name: string,
  isGlobal: boolean,
  imports: NonNullable<DynamicModule['imports']>,
  optionProviders: Provider[],
): DynamicModule {
  const optionsToken = getLicenseGateOptionsToken(name);
  const serviceToken = getLicenseGateServiceToken(name);
  const gateToken = getLicenseGateToken(name);
  const isDefault = name === DEFAULT_GATE_NAME;
  return {
    module: LicenseGateModule,
    global: isGlobal,
    imports: [DiscoveryModule, ...imports],
    providers: [
      ...optionProviders,
      {
        provide: serviceToken,
        useFactory: (options: CheckedModuleOptions) => new LicenseGateService(name, options),
        inject: [optionsToken],
      },
      { provide: gateToken, useFactory: (service: LicenseGateService) => service.gate, inject: [serviceToken] },
      ...(isDefault ? [{ provide: LicenseGateService, useExisting: serviceToken }] : []),
      {
        provide: LicenseGateLifecycle,
        useFactory: (
          service: LicenseGateService,
          discovery: DiscoveryService,
          scanner: MetadataScanner,
          config: ApplicationConfig,
          reflector: Reflector,
          moduleRef: ModuleRef,
          adapterHost: HttpAdapterHost | undefined,
        ) => new LicenseGateLifecycle(service, { discovery, scanner, config, reflector }, moduleRef, adapterHost),
        inject: [
          serviceToken,
          DiscoveryService,
          MetadataScanner,
          ApplicationConfig,
          Reflector,
          ModuleRef,
          { token: HttpAdapterHost, optional: true },
        ],
      },
      { provide: APP_FILTER, useClass: LicenseGateExceptionFilter },
    ],
    exports: [serviceToken, gateToken, optionsToken, ...(isDefault ? [LicenseGateService] : [])],
  };
}
