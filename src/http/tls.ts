/** HTTPS and mTLS of the server (docs/tls.md). */
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { TlsConfig } from '../config.js';
import { FacegateError } from '../core/errors.js';

export function httpsServerOptions(tls: TlsConfig): ServerOptions {
  const { clientCa } = tls;
  return {
    cert: tls.certificatePem,
    key: tls.privateKeyPem,
    // In request mode the handshake also lets in clients without a valid certificate; checkClientCertificate then decides per route.
    ...(clientCa ? { ca: clientCa.certificatesPem, requestCert: true, rejectUnauthorized: clientCa.mode === 'require' } : {}),
  };
}

/**
 * Request mode: end users' phones and health probes hold no client
 * certificate, so routes marked clientCertOptional serve them; every other
 * route answers 401 unless the connection showed a certificate of the client CA.
 */
export function checkClientCertificate(request: FastifyRequest): void {
  if (request.routeOptions.config.clientCertOptional) return;
  const socket = request.raw.socket as TLSSocket;
  if (socket.authorized) return;
  const sent = Object.keys(socket.getPeerCertificate()).length > 0;
  throw new FacegateError(
    'ERROR_UNAUTHORIZED',
    sent
      ? `The client certificate was refused (${socket.authorizationError}): it must be signed by this server's client CA and be valid now (docs/tls.md)`
      : "This endpoint needs a client certificate signed by this server's client CA (mTLS, docs/tls.md); none was sent",
  );
}
