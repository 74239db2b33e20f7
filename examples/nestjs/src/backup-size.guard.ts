import {
  BadRequestException,
  Catch,
  Injectable,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
} from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE } from '@licensegate/nestjs';
import type { Request, Response } from 'express';

/** The largest backup the demo takes at once, in GB. */
export const MAX_BACKUP_GB = 10_000;

/** The backup size a request asked for, once {@link BackupSizeGuard} has checked it. */
export function backupSizeOf(req: Request): number {
  return (req as Request & { backupGb: number }).backupGb;
}

/** A backup size {@link BackupSizeGuard} refused: the client's mistake, answered by {@link BadBackupSizeFilter}. */
export class BadBackupSizeException extends BadRequestException {}

/**
 * Answers a {@link BadBackupSizeException} as the Express and Fastify demos answer a bad size:
 * 400 problem+json of type `urn:licensegate-demo:bad-size` (Nest's own 400 body would be plain
 * JSON of another shape). On the backup route: `@UseFilters(BadBackupSizeFilter)`.
 */
@Catch(BadBackupSizeException)
export class BadBackupSizeFilter implements ExceptionFilter<BadBackupSizeException> {
  catch(error: BadBackupSizeException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(400).type(PROBLEM_CONTENT_TYPE).json({
      type: 'urn:licensegate-demo:bad-size',
      title: 'Bad backup size',
      status: 400,
      detail: error.message,
    });
  }
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
      throw new BadBackupSizeException(`?gb must be a whole number of gigabytes from 1 to ${MAX_BACKUP_GB}.`);
    (req as Request & { backupGb: number }).backupGb = gb;
    return true;
  }
}
