import { CodedError } from '../errors.js';

/**
 * What went wrong while preparing the controller's TLS certificate:
 * - `invalid_name`: a name for a self-signed certificate is neither an IP address nor a DNS name;
 * - `openssl_failed`: the `openssl` command is missing or failed to generate a certificate;
 * - `unreadable_file`: a certificate or key file cannot be read;
 * - `invalid_certificate`: a certificate file holds no PEM certificate;
 * - `invalid_key`: a key file holds no unencrypted PEM private key;
 * - `key_mismatch`: the private key does not belong to the certificate.
 */
export type TlsErrorCode = 'invalid_name' | 'openssl_failed' | 'unreadable_file' | 'invalid_certificate' | 'invalid_key' | 'key_mismatch';

/** Error of the TLS helpers; its message names the file or name at fault and is fit for operators. */
export class TlsError extends CodedError<TlsErrorCode> {
  override readonly name = 'TlsError';
}
