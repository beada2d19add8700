/** Maps every failure to the one error body: spec code, stable name, a message that says what to fix. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FacegateError } from '../core/errors.js';
import { MAX_IMAGE_BYTES } from '../engine/decode.js';

export function toFacegateError(error: FastifyError | Error): FacegateError {
  if (error instanceof FacegateError) return error;
  const fe = error as FastifyError;
  if (fe.validation) return new FacegateError('ERROR_INVALID_JSON', `Request does not match the schema: ${fe.message}`);
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new FacegateError('ERROR_INVALID_JSON', `Unsupported Content-Type: ${fe.message}`);
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new FacegateError('ERROR_INVALID_JSON', `JSON EXCEPTION: ${fe.message}`);
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.statusCode === 413) {
    return new FacegateError('ERROR_INVALID_IMAGE', `Request too large: ${fe.message} (images may be at most ${MAX_IMAGE_BYTES / 1048576} MB)`);
  }
  if (fe.statusCode === 429) return new FacegateError('ERROR_RATE_LIMITED', fe.message);
  if (fe.statusCode === 503) return new FacegateError('ERROR_ENGINE_OVERLOADED', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new FacegateError('ERROR_INVALID_JSON', fe.message);
  return new FacegateError('ERROR_SERVER_INTERNAL', 'Internal server error; the request id in this response finds the details in the server log');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: FacegateError): FastifyReply {
  if (request.audit) request.audit.failure = error.code;
  const retryAfter = error.details?.retryAfterSeconds;
  if (error.httpStatus === 503 || error.httpStatus === 429) reply.header('Retry-After', typeof retryAfter === 'number' ? String(retryAfter) : '1');
  return reply.code(error.httpStatus).send({ ...error.toJSON(), ...(request.audit?.refid ? { refid: request.audit.refid } : {}), requestId: request.id });
}
