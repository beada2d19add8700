import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { requestSignatureMatches, signRequest } from './request-signature.js';

/** The spec's own JavaScript, verbatim in substance, as the reference. */
const generateHmac = (httpMethod: string, url: string, body: string, contentType: string, xAuthClient: string, secretKey: string) => {
  const requestUrl = new URL(url);
  const requestPath = requestUrl.pathname;
  const queryParams = requestUrl.searchParams.toString();
  const dataToHash = `${httpMethod}\n${requestPath}\n${queryParams}\n${xAuthClient}\n${contentType}\n${body}`;
  return createHmac('sha256', secretKey).update(dataToHash).digest('hex');
};

test('signatures equal the spec reference, with and without a query string', () => {
  const body = JSON.stringify({ country: 'US', uniqueIdentifier: 'user123' });
  for (const path of ['/api/v1/session', '/api/v1/session?lang=en&x=a%20b']) {
    const reference = generateHmac('POST', `https://facegate.example${path}`, body, 'application/json', 'client-1', 'secret-1');
    const parts = { method: 'POST', url: path, authClient: 'client-1', contentType: 'application/json', body };
    assert.equal(signRequest(parts, 'secret-1'), reference);
    assert.equal(requestSignatureMatches(parts, 'secret-1', reference), true);
    assert.equal(requestSignatureMatches(parts, 'secret-1', reference.toUpperCase()), true);
    assert.equal(requestSignatureMatches(parts, 'wrong', reference), false);
    assert.equal(requestSignatureMatches({ ...parts, body: body.replace('US', 'FR') }, 'secret-1', reference), false);
    assert.equal(requestSignatureMatches(parts, 'secret-1', 'not-hex'), false);
  }
});
