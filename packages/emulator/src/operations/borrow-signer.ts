import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * Signs the JWT that CheckoutBorrowLicense returns as `SignedToken` (algorithm PS384, the only
 * `DigitalSignatureMethod` License Manager offers). AWS signs with the issuer's KMS key; the
 * emulator signs with an RSA key of its own, made on first use, whose public half the admin path
 * serves (`GET /_emulator/signing-key`) so that a seller can test offline verification.
 */
export class BorrowSigner {
  #keys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

  /** The public key, PEM (SubjectPublicKeyInfo). */
  publicKeyPem(): string {
    return this.#pair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** A compact JWS of `payload`, signed PS384. */
  sign(payload: object): string {
    const header = { alg: 'PS384', typ: 'JWT', kid: 'licensegate-emulator' };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign('sha384', Buffer.from(input), {
      key: this.#pair().privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 48,
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  #pair(): { privateKey: KeyObject; publicKey: KeyObject } {
    this.#keys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
    return this.#keys;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
