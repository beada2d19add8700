/** Spec 001 dossiers and processes, for verification clients (HTTP Basic: client id + secret). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openCaptureSession, type SessionDeps } from '../../services/capture-sessions.js';
import { authenticateBasic } from '../../services/clients.js';
import { createProcess, processJson, requireDossier, requireProcess, resultZip, setLivenessCapture, setReferenceImage, verifyProcess, type DossierDeps } from '../../services/dossiers.js';
import { decodeBase64Field, openCapture } from '../../services/inputs.js';
import { publicBaseUrl, type AppDeps } from '../context.js';
import { Base64Image, LooseObject, errorResponses } from '../schemas.js';

const tags = ['dossiers (spec 001)'];
const security = [{ basicAuth: [] }];
const DossierParams = Type.Object({ dossierId: Type.String() });
const ProcessParams = Type.Object({ dossierId: Type.String(), processId: Type.String() });

export function dossierRoutes(deps: AppDeps, sessions: SessionDeps) {
  const d: DossierDeps = { engine: deps.engine, store: deps.store, keys: deps.keys, livenessLevel: deps.config.defaultLivenessLevel };
  const client = (request: FastifyRequest) => authenticateBasic(deps.store, request.headers.authorization);
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const ok = { 200: LooseObject('Result'), ...errorResponses };

    app.post('/api/v1/dossiers', {
      schema: { tags, security, summary: 'Create a dossier: one per person', body: Type.Optional(Type.Object({ metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })), response: ok },
      handler: async (request) => {
        const { id } = await client(request);
        const dossier = await deps.store.createDossier({ id: randomUUID(), clientId: id, metadata: request.body?.metadata ?? {}, createdAt: new Date() });
        return { dossierId: dossier.id, metadata: dossier.metadata, createdAt: dossier.createdAt.toISOString() };
      },
    });
    app.get('/api/v1/dossiers/:dossierId', {
      schema: { tags, security, summary: 'A dossier', params: DossierParams, response: ok },
      handler: async (request) => {
        const dossier = await requireDossier(deps.store, (await client(request)).id, request.params.dossierId);
        return { dossierId: dossier.id, metadata: dossier.metadata, createdAt: dossier.createdAt.toISOString() };
      },
    });
    app.post('/api/v1/dossiers/:dossierId/processes', {
      schema: { tags, security, summary: 'Create a verification process (provider facegate); returns its capture page', params: DossierParams, body: Type.Object({ provider: Type.Literal('facegate') }), response: ok },
      handler: async (request) => {
        const { id } = await client(request);
        const dossier = await requireDossier(deps.store, id, request.params.dossierId);
        const process = await createProcess(d, dossier, new Date());
        const { token, session } = await openCaptureSession(sessions, { clientId: id, kind: 'process', subjectRef: process.id, country: null }, new Date());
        return { ...processJson(process), captureUrl: `${publicBaseUrl(deps, request)}/capture/${token}`, captureExpiresAt: session.expiresAt.toISOString() };
      },
    });
    app.get('/api/v1/dossiers/:dossierId/processes/:processId', {
      schema: { tags, security, summary: 'Process status and result', params: ProcessParams, response: ok },
      handler: async (request) => processJson(await requireProcess(deps.store, (await client(request)).id, request.params.dossierId, request.params.processId)),
    });
    app.put('/api/v1/dossiers/:dossierId/processes/:processId/image', {
      schema: { tags, security, summary: 'Set the reference photo (e.g. the portrait from an ID document)', params: ProcessParams, body: Type.Object({ image: Base64Image('Reference photo') }), response: ok },
      handler: async (request) => {
        const process = await requireProcess(deps.store, (await client(request)).id, request.params.dossierId, request.params.processId);
        return processJson(await setReferenceImage(d, process, decodeBase64Field(request.body.image, '/image'), new Date()));
      },
    });
    app.post('/api/v1/dossiers/:dossierId/processes/:processId/capture', {
      schema: { tags, security, summary: 'Upload the liveness capture (an encrypted capture blob or an image) instead of using the capture page', params: ProcessParams, body: Type.Object({ image: Base64Image('Capture') }), response: ok },
      handler: async (request) => {
        const process = await requireProcess(deps.store, (await client(request)).id, request.params.dossierId, request.params.processId);
        const capture = openCapture(decodeBase64Field(request.body.image, '/image'), deps.keys);
        return processJson(await setLivenessCapture(d, process, capture.image, new Date()));
      },
    });
    app.post('/api/v1/dossiers/:dossierId/processes/:processId/verify', {
      schema: { tags, security, summary: 'Start verification: accepted only if liveness and the face match both pass', params: ProcessParams, response: ok },
      handler: async (request) => {
        const process = await requireProcess(deps.store, (await client(request)).id, request.params.dossierId, request.params.processId);
        return processJson(await verifyProcess(d, process, new Date()));
      },
    });
    app.get('/api/v1/dossiers/:dossierId/processes/:processId/result.zip', {
      schema: { tags, security, summary: 'The full result: result.json, images, manifest.json and its Ed25519 signature', params: ProcessParams },
      handler: async (request, reply) => {
        const { id } = await client(request);
        const dossier = await requireDossier(deps.store, id, request.params.dossierId);
        const process = await requireProcess(deps.store, id, request.params.dossierId, request.params.processId);
        return reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="process-${process.id}.zip"`).send(Buffer.from(resultZip(d, dossier, process)));
      },
    });
  };
}
