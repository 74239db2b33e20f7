import { checkoutBorrowLicense, checkoutLicense } from './checkout.js';
import { checkInLicense, extendLicenseConsumption } from './consumption.js';
import type { OperationDefinition } from './context.js';
import {
  getLicense,
  getLicenseUsage,
  listLicenses,
  listLicenseVersions,
  listReceivedLicenses,
} from './license-reads.js';
import { createLicense, createLicenseVersion, deleteLicense } from './license-writes.js';

/**
 * Every operation the emulator answers, by name. A Map, so that a client's operation name is never
 * looked up on `Object.prototype`.
 */
export const OPERATIONS: ReadonlyMap<string, OperationDefinition> = new Map<string, OperationDefinition>([
  ['CheckoutLicense', checkoutLicense],
  ['CheckInLicense', checkInLicense],
  ['ExtendLicenseConsumption', extendLicenseConsumption],
  ['GetLicense', getLicense],
  ['ListReceivedLicenses', listReceivedLicenses],
  ['CheckoutBorrowLicense', checkoutBorrowLicense],
  ['CreateLicense', createLicense],
  ['CreateLicenseVersion', createLicenseVersion],
  ['GetLicenseUsage', getLicenseUsage],
  ['ListLicenses', listLicenses],
  ['ListLicenseVersions', listLicenseVersions],
  ['DeleteLicense', deleteLicense],
]);
