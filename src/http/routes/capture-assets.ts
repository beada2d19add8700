/**
 * The browser capture SDK (built by scripts/build-sdk.mjs into dist/sdk) and
 * the hosted capture page, served from memory. The page gets its session
 * configuration injected; its token authenticates the guidance and submit calls.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { INSTALL_ROOT } from '../../config.js';
import { requiresActive } from '../../core/active-liveness/levels.js';
import { FacegateError } from '../../core/errors.js';
import { sessionForToken, touchSession } from '../../services/capture-sessions.js';
import type { AppDeps } from '../context.js';

const SDK_DIR = join(INSTALL_ROOT, 'dist', 'sdk');
const SCRIPTS = ['facegate-capture.js', 'facegate-capture.js.map', 'capture-page.js', 'capture-page.js.map'];
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob:; media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const CONFIG_SLOT = '<script type="application/json" id="facegate-capture-config">{}</script>';

export interface SdkAssets {
  scripts: Map<string, Buffer>;
  pageTemplate: string;
}

export async function loadSdkAssets(): Promise<SdkAssets> {
  const read = async (name: string) => {
    try {
      return await readFile(join(SDK_DIR, name));
    } catch {
      throw new FacegateError('ERROR_SERVER_INTERNAL', `${join(SDK_DIR, name)} is missing: run "npm run build" (it builds the capture SDK)`);
    }
  };
  const scripts = new Map<string, Buffer>();
  for (const name of SCRIPTS) scripts.set(name, await read(name));
  const pageTemplate = (await read('capture-page.html')).toString('utf8');
  if (!pageTemplate.includes(CONFIG_SLOT)) throw new FacegateError('ERROR_SERVER_INTERNAL', 'capture-page.html has no configuration slot; rebuild the SDK');
  return { scripts, pageTemplate };
}

export function captureAssetRoutes(deps: AppDeps, assets: SdkAssets) {
  return async (app: FastifyInstance) => {
    app.get('/sdk/:file', { schema: { hide: true }, config: { clientCertOptional: true } }, async (request, reply) => {
      const { file } = request.params as { file: string };
      const body = assets.scripts.get(file);
      if (!body) throw new FacegateError('ERROR_NOT_FOUND', `no SDK file ${file}; the SDK is /sdk/facegate-capture.js (docs/capture-sdk.md)`);
      return reply
        .header('content-type', file.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(body);
    });

    app.get('/capture/:token', {
      config: { clientCertOptional: true },
      schema: { tags: ['sessions (spec 004)'], summary: 'The hosted capture page of a session or authentication', params: Type.Object({ token: Type.String() }), querystring: Type.Object({ locale: Type.Optional(Type.String({ maxLength: 16 })) }) },
      handler: async (request, reply) => {
        const { token } = request.params as { token: string };
        const { locale } = request.query as { locale?: string };
        const session = await sessionForToken(deps, token, new Date());
        await touchSession(deps, session, new Date());
        const level = deps.config.captureLivenessLevel;
        const config = {
          token,
          guidanceUrl: `/capture/${token}/guidance`,
          submitUrl: `/capture/${token}/submit`,
          // From BALANCED_HIGH up each attempt runs an active challenge made here.
          ...(requiresActive(level) ? { challengeUrl: `/capture/${token}/challenge` } : {}),
          locale,
          asThreshold: level,
        };
        const page = assets.pageTemplate.replace(CONFIG_SLOT, CONFIG_SLOT.replace('{}', JSON.stringify(config).replace(/</g, '\\u003c')));
        return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', PAGE_CSP).header('referrer-policy', 'no-referrer').send(page);
      },
    });
  };
}
