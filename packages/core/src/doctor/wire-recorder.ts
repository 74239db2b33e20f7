import type { LicenseManagerClient } from '@aws-sdk/client-license-manager';

/** One HTTP exchange with License Manager, as the doctor saw it on the wire. */
export interface WireExchange {
  /** `https://license-manager.us-east-1.amazonaws.com` — where the request went. */
  readonly url: string;
  /** Local clock when the request was sent and when its answer came. */
  readonly sentAt: number;
  readonly receivedAt: number;
  /** The answer's `Date` header, or `undefined` when there was no answer (or no header). */
  readonly date: string | undefined;
  readonly status: number | undefined;
}

interface RawRequest {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
}

/**
 * Records every exchange of a client — where it went, when, and the answer's `Date` — through a
 * middleware at the end of the stack (after the signer, before the HTTP handler), so that answers
 * that the SDK turns into errors are seen too.
 */
export function recordExchanges(client: LicenseManagerClient): WireExchange[] {
  const exchanges: WireExchange[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as RawRequest;
      const url = `${request.protocol ?? 'https:'}//${request.hostname ?? '?'}${request.port ? `:${request.port}` : ''}`;
      const sentAt = Date.now();
      const record = (response: { statusCode?: number; headers?: Record<string, string> } | undefined) =>
        exchanges.push({
          url,
          sentAt,
          receivedAt: Date.now(),
          date: response?.headers?.['date'] ?? response?.headers?.['Date'],
          status: response?.statusCode,
        });
      try {
        const out = await next(args);
        record(out.response as { statusCode?: number; headers?: Record<string, string> });
        return out;
      } catch (error) {
        record(undefined);
        throw error;
      }
    },
    { step: 'deserialize', priority: 'low', name: 'licensegateDoctorWire' },
  );
  return exchanges;
}
