import { BadRequestException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The largest backup the demo takes at once, in GB. */
export const MAX_BACKUP_GB = 10_000;

/** The backup size a request asked for, once {@link BackupSizeGuard} has checked it. */
export function backupSizeOf(req: Request): number {
  return (req as Request & { backupGb: number }).backupGb;
}

/**
 * Checks the app's own input BEFORE the charge: `?gb=N`, a whole number from 1 to
 * {@link MAX_BACKUP_GB}. A bad size is the client's mistake (400), not a licensing error, and nothing
 * is charged for it. A guard listed before `LicenseGateGuard` (which holds `@Drawdown`'s units); a
 * pipe would run after the charge is open.
 */
@Injectable()
export class BackupSizeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const text = req.query['gb'];
    const gb = typeof text === 'string' && /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(gb >= 1 && gb <= MAX_BACKUP_GB))
      throw new BadRequestException(`?gb must be a whole number of gigabytes from 1 to ${MAX_BACKUP_GB}.`);
    (req as Request & { backupGb: number }).backupGb = gb;
    return true;
  }
}
