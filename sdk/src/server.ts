/**
 * What preInitialize fetches from the Facegate server: the model pack (which
 * proves the server answers and names the models), the capture public key,
 * and the server clock, so captures carry a server-aligned `capturedAt`.
 */
import { importCaptureKey, type CaptureKey } from './capture-blob.js';
import { FaceSdkError } from './errors.js';

/** Spec 002's shape: `{ url, headers: [{ name, value }] }`. */
export interface EndpointOption {
  url: string;
  headers?: { name: string; value: string }[];
}

/** `'https://…/api/v1/models'`, `{ URL: '…' }` or `{ URL: { url, headers } }`. */
export type EndpointSpec = string | { URL?: string | EndpointOption };

/** As EndpointSpec, plus the time endpoint, which defaults to `time` next to pub_key. */
export type PubKeySpec = string | { URL?: string | EndpointOption; timeURL?: string | EndpointOption };

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

export interface ServerContext {
  /** The pub_key URL: the Facegate server's paths (a challenge's framesUrl) resolve against it. */
  serverUrl: string;
  captureKey: CaptureKey;
  /** Add to Date.now() to get the server's clock. */
  clockOffsetMs: number;
  modelId: string | null;
}

function endpoint(spec: string | EndpointOption): Endpoint {
  const option = typeof spec === 'string' ? { url: spec } : spec;
  const headers = Object.fromEntries((option.headers ?? []).map(({ name, value }) => [name, value]));
  return { url: new URL(option.url, document.baseURI).href, headers };
}

export function resolveEndpoints(models: EndpointSpec | undefined, pubKey: PubKeySpec | undefined): { models: Endpoint; pubKey: Endpoint; time: Endpoint } {
  const modelsEndpoint = endpoint((typeof models === 'object' ? models.URL : models) ?? '/api/v1/models');
  const pubKeyEndpoint = endpoint((typeof pubKey === 'object' ? pubKey.URL : pubKey) ?? '/api/v1/pub_key');
  const timeSpec = typeof pubKey === 'object' ? pubKey.timeURL : undefined;
  const time = timeSpec ? endpoint(timeSpec) : { url: new URL('time', pubKeyEndpoint.url).href, headers: pubKeyEndpoint.headers };
  return { models: modelsEndpoint, pubKey: pubKeyEndpoint, time };
}

async function fetchJson(target: Endpoint): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(target.url, { headers: target.headers, cache: 'no-store' });
  } catch (err) {
    throw new FaceSdkError('ERROR_SERVER_CONNECTION_FAILURE', `${target.url}: ${String(err)}`);
  }
  if (!response.ok) throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${target.url} answered HTTP ${response.status}`);
  const body: unknown = await response.json().catch(() => null);
  if (typeof body !== 'object' || body === null) throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${target.url} did not answer JSON`);
  return body as Record<string, unknown>;
}

export async function connect(endpoints: ReturnType<typeof resolveEndpoints>): Promise<ServerContext> {
  const [models, pubKey] = await Promise.all([fetchJson(endpoints.models), fetchJson(endpoints.pubKey)]);
  if (typeof pubKey.spki !== 'string') throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${endpoints.pubKey.url} has no spki`);
  let captureKey: CaptureKey;
  try {
    captureKey = await importCaptureKey(pubKey.spki);
  } catch (err) {
    throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${endpoints.pubKey.url} sent an unusable key: ${String(err)}`);
  }
  // Timed alone, after the other requests, so their latency does not skew the midpoint.
  const sentAt = Date.now();
  const time = await fetchJson(endpoints.time);
  const receivedAt = Date.now();
  if (typeof time.epochMillis !== 'number') throw new FaceSdkError('ERROR_FETCH_INTERNAL', `${endpoints.time.url} has no epochMillis`);
  return {
    serverUrl: endpoints.pubKey.url,
    captureKey,
    clockOffsetMs: Math.round(time.epochMillis - (sentAt + receivedAt) / 2),
    modelId: typeof models.modelId === 'string' ? models.modelId : null,
  };
}
