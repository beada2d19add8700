import { createHmac } from 'node:crypto';

/** Spec 004's JavaScript for x-hmac-signature, as an integrator pastes it: tests sign with it, not with our own code. */
export const generateHmac = (httpMethod: string, url: string, body: string, contentType: string, xAuthClient: string, secretKey: string): string => {
  const requestUrl = new URL(url);
  const dataToHash = `${httpMethod}\n${requestUrl.pathname}\n${requestUrl.searchParams.toString()}\n${xAuthClient}\n${contentType}\n${body}`;
  return createHmac('sha256', secretKey).update(dataToHash).digest('hex');
};
