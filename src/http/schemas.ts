/** TypeBox schemas shared by the routes; the same schemas validate requests and build /openapi.json. */
import { Type, type TSchema } from '@sinclair/typebox';
import { MATCH_LEVELS } from '../core/calibration.js';
import { LIVENESS_LEVELS } from '../core/liveness.js';
import { MAX_IMAGE_BYTES } from '../engine/decode.js';

/** Largest uploaded file or capture blob: an image at the decoder's limit plus a blob's envelope. */
export const MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES + 1024 * 1024;

/** A multipart file part, delivered as a Buffer (validated by the `fileBuffer` keyword, shown as a binary string in OpenAPI). */
export const FileField = (description: string) => Type.Unsafe<Buffer>({ fileBuffer: true, description });

export const MatchLevelSchema = Type.Union(MATCH_LEVELS.map((l) => Type.Literal(l)), { description: 'Match security level' });
export const LivenessLevelSchema = Type.Union(LIVENESS_LEVELS.map((l) => Type.Literal(l)), { description: 'Liveness (AS) security level' });

export const Base64Image = (description: string) => Type.String({ minLength: 1, description: `${description} (base64; a data: URL prefix is accepted)` });

export const ErrorBody = Type.Object(
  {
    code: Type.Optional(Type.Integer({ description: 'Spec numeric code (Table 9), or a Facegate code ≥ 700' })),
    feedbackCode: Type.Optional(Type.String({ description: 'Stable error name, e.g. ERROR_INVALID_IMAGE' })),
    message: Type.Optional(Type.String({ description: 'What is wrong and how to fix it' })),
    refid: Type.Optional(Type.String({ description: 'Transaction id, on logged endpoints' })),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  // Open: the spec's spoof outcome (FEEDBACK_RETRY) is an HTTP 400 with its own fields.
  { $id: 'ErrorBody', additionalProperties: true },
);

/** Standard error responses every authenticated route can produce. */
export const errorResponses = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  403: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
  409: Type.Ref(ErrorBody),
  429: Type.Ref(ErrorBody),
  500: Type.Ref(ErrorBody),
  503: Type.Ref(ErrorBody),
};

/** Response bodies are documented loosely: their fields are the spec's and vary with the outcome. */
export const LooseObject = (description: string): TSchema => Type.Object({}, { additionalProperties: true, description });
