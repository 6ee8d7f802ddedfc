import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import type { OpenAPIObject } from '@nestjs/swagger';
import { normalizeOpenApiDocument } from '../../scripts/openapi';
import {
  API_CONTRACT_FILE,
  ApiContract,
  jsonDifferences,
  type SeenResponse,
} from '../support/openapi-validator';
import { waitForIdle } from '../support/queue-idle';
import { DEMO_DIR, startApiApp, type ApiTestApp } from './api-app';

/**
 * The API contract (docs/openapi.json) against the real app (issue 14): the committed document is the one the app
 * serves, and every documented operation answers, on success and on its documented errors, with a status, content
 * type and body the document describes. The web storefront is typed from that document, so a response it does not
 * describe is a bug here, not there.
 *
 * One embedded app (PGlite, embedded vector store, demo model) with the demo catalog, shared by all cases; the
 * cases run in table order, and later ones use what earlier ones created (a chat conversation, description
 * drafts, a reindex job).
 */
const KEY = 'contract-key-0123456789abcdef';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
/** Small enough that a 413 needs only a 128 kB upload; the demo pictures are a few kB. */
const IMAGE_MAX_BYTES = 100_000;
const PICTURE = readFileSync(join(DEMO_DIR, 'queries', 'red-apple.png'));
/** ADMIN_IMPORT_MAX_BYTES here: a 413 needs only a few kB. */
const IMPORT_MAX_BYTES = 2048;
/** A catalog file as `vitrine import` reads it. */
const CATALOG_LINE = Buffer.from(
  `${JSON.stringify({
    sku: 'CONTRACT-IMPORT-1',
    title: 'Imported contract jug',
    price: { amount: '4.5', currency: 'EUR' },
    images: [],
  })}\n`,
);
/** A JSON body over every non-admin route's 64 kB limit. */
const HUGE_TEXT = 'x'.repeat(70 * 1024);

/** What earlier cases created, for later ones. */
interface Fixtures {
  productId: string;
  upsertedId?: string;
  conversationId?: string;
  drafts: string[];
  jobId?: string;
  synonymSetId?: string;
  importJobId?: string;
  imageCursor?: string;
}

type Agent = ReturnType<typeof request>;

interface StreamRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
}

interface Case {
  /** What the case shows, e.g. `404 unknown product`. */
  readonly name: string;
  readonly status: number;
  /** A request through supertest (whole body read), or `stream` for responses of which only the head is read. */
  readonly send?: (api: Agent, f: Fixtures) => request.Test;
  readonly stream?: (f: Fixtures) => StreamRequest;
  /** Expected content type (prefix), for non-JSON bodies. */
  readonly contentType?: string;
  /** Runs after a passing case: keep what it created. */
  readonly keep?: (body: unknown, f: Fixtures) => void;
  /**
   * A known gap between the app and its document, reported to whoever owns the controller: the case runs as
   * `it.failing` so it goes red (and this mark must go) once the document is fixed.
   */
  readonly gap?: string;
}

const admin = (t: request.Test) => t.set('X-Api-Key', KEY);
const bodyOf = <T>(b: unknown) => b as T;

/** Every documented operation, keyed `METHOD template` as in the document; in the order they run. */
const CASES: Readonly<Record<string, readonly Case[]>> = {
  'GET /healthz': [{ name: 'live', status: 200, send: (api) => api.get('/healthz') }],
  'GET /readyz': [{ name: 'ready', status: 200, send: (api) => api.get('/readyz') }],

  'POST /v1/search/text': [
    { name: 'a query', status: 200, send: (api) => api.post('/v1/search/text').send({ query: 'red apple' }) },
    {
      name: 'explain and filters',
      status: 200,
      send: (api) =>
        api.post('/v1/search/text').send({
          query: 'teapot',
          limit: 3,
          explain: true,
          filters: { price: { max: 100 }, currency: 'EUR' },
        }),
    },
    {
      name: 'facets and a sort order',
      status: 200,
      send: (api) =>
        api.post('/v1/search/text').send({
          query: 'shoe',
          facets: ['category', 'brand', 'price', 'inStock', 'color'],
          sort: 'price_asc',
        }),
    },
    {
      name: 'a misspelt query',
      status: 200,
      send: (api) => api.post('/v1/search/text').send({ query: 'sneakr' }),
    },
    {
      name: 'no good match',
      status: 200,
      send: (api) => api.post('/v1/search/text').send({ query: 'qwxzv plorth' }),
    },
    {
      name: '400 empty query and an unknown field',
      status: 400,
      send: (api) => api.post('/v1/search/text').send({ query: '', colour: 'red' }),
    },
    {
      name: '413 body over 64 kB',
      status: 413,
      send: (api) => api.post('/v1/search/text').send({ query: HUGE_TEXT }),
    },
  ],
  'POST /v1/search/image': [
    {
      name: 'a picture',
      status: 200,
      send: (api) =>
        api.post('/v1/search/image').attach('image', PICTURE, 'red-apple.png').field('limit', '3'),
      keep: (b, f) => void (f.imageCursor = bodyOf<{ nextCursor: string | null }>(b).nextCursor ?? undefined),
    },
    {
      name: 'the next page from its cursor',
      status: 200,
      send: (api, f) => api.post('/v1/search/image').send({ cursor: f.imageCursor }),
    },
    {
      name: '400 neither picture nor imageUrl',
      status: 400,
      send: (api) => api.post('/v1/search/image').send({}),
    },
    {
      name: '413 picture over IMAGE_MAX_BYTES',
      status: 413,
      send: (api) =>
        api.post('/v1/search/image').attach('image', Buffer.alloc(IMAGE_MAX_BYTES + 28_000, 1), 'big.png'),
    },
    {
      name: '415 not a picture',
      status: 415,
      send: (api) =>
        api
          .post('/v1/search/image')
          .attach('image', Buffer.from('just some text, not a picture'), 'notes.png'),
    },
  ],
  'GET /v1/suggest': [
    { name: 'completions', status: 200, send: (api) => api.get('/v1/suggest?q=te&limit=5') },
    { name: '400 empty q', status: 400, send: (api) => api.get('/v1/suggest?q=') },
  ],
  'GET /v1/products/{id}/similar': [
    {
      name: 'neighbours',
      status: 200,
      send: (api, f) => api.get(`/v1/products/${f.productId}/similar?limit=3`),
    },
    {
      name: 'with facets and a sort order',
      status: 200,
      send: (api, f) =>
        api.get(`/v1/products/${f.productId}/similar?limit=3&sort=price_asc&facets=category,price`),
    },
    {
      name: '400 limit out of range',
      status: 400,
      send: (api, f) => api.get(`/v1/products/${f.productId}/similar?limit=0`),
    },
    { name: '404 unknown product', status: 404, send: (api) => api.get(`/v1/products/${UNKNOWN}/similar`) },
  ],
  'GET /v1/products': [
    {
      name: 'browse with filters, facets and a sort order',
      status: 200,
      send: (api) =>
        api.get(
          '/v1/products?category=Kitchen&inStock=true&sort=price_desc&limit=5&facets=category,brand,price',
        ),
    },
    {
      name: 'an attribute filter',
      status: 200,
      send: (api) => api.get('/v1/products?attr.color=red&limit=2'),
    },
    { name: '400 unknown sort order', status: 400, send: (api) => api.get('/v1/products?sort=cheapest') },
  ],
  'GET /v1/products/{id}': [
    { name: 'a product page', status: 200, send: (api, f) => api.get(`/v1/products/${f.productId}`) },
    {
      name: '400 id over 256 characters',
      status: 400,
      send: (api) => api.get(`/v1/products/${'a'.repeat(300)}`),
    },
    { name: '404 unknown product', status: 404, send: (api) => api.get(`/v1/products/${UNKNOWN}`) },
  ],
  'GET /v1/products/{id}/images/{position}': [
    {
      name: 'the image bytes',
      status: 200,
      contentType: 'image/',
      send: (api, f) => api.get(`/v1/products/${f.productId}/images/0`),
      gap: 'the 200 documents no content (image/* with a binary schema)',
    },
    { name: '404 unknown product', status: 404, send: (api) => api.get(`/v1/products/${UNKNOWN}/images/0`) },
  ],
  'GET /v1/products/{id}/attributes': [
    {
      name: 'read attributes',
      status: 200,
      send: (api, f) => api.get(`/v1/products/${f.productId}/attributes`),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => api.get(`/v1/products/${UNKNOWN}/attributes`),
    },
  ],
  'POST /v1/products/{id}/ask': [
    {
      name: 'a question',
      status: 200,
      send: (api, f) => api.post(`/v1/products/${f.productId}/ask`).send({ question: 'what colour is it?' }),
    },
    {
      name: 'with a heatmap',
      status: 200,
      send: (api, f) =>
        api.post(`/v1/products/${f.productId}/ask`).send({ question: 'is it red?', heatmap: true }),
    },
    {
      name: '400 empty question',
      status: 400,
      send: (api, f) => api.post(`/v1/products/${f.productId}/ask`).send({ question: '' }),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => api.post(`/v1/products/${UNKNOWN}/ask`).send({ question: 'is it red?' }),
    },
    {
      name: '413 body over 64 kB',
      status: 413,
      send: (api, f) => api.post(`/v1/products/${f.productId}/ask`).send({ question: HUGE_TEXT }),
    },
  ],
  'POST /v1/vqa': [
    {
      name: 'a picture and a question',
      status: 200,
      send: (api) =>
        api.post('/v1/vqa').attach('image', PICTURE, 'red-apple.png').field('question', 'what colour is it?'),
    },
    {
      name: '400 no picture',
      status: 400,
      send: (api) => api.post('/v1/vqa').field('question', 'what is it?'),
    },
    {
      name: '413 picture over IMAGE_MAX_BYTES',
      status: 413,
      send: (api) =>
        api
          .post('/v1/vqa')
          .attach('image', Buffer.alloc(IMAGE_MAX_BYTES + 28_000, 1), 'big.png')
          .field('question', 'what is it?'),
    },
    {
      name: '415 not a picture',
      status: 415,
      send: (api) =>
        api
          .post('/v1/vqa')
          .attach('image', Buffer.from('plain text'), 'a.png')
          .field('question', 'what is it?'),
    },
    {
      name: '422 a PNG that does not decode',
      status: 422,
      send: (api) =>
        api
          .post('/v1/vqa')
          .attach('image', Buffer.concat([PICTURE.subarray(0, 64), Buffer.alloc(200, 7)]), 'broken.png')
          .field('question', 'what is it?'),
    },
  ],
  'POST /v1/products/{id}/description': [
    {
      name: 'a draft',
      status: 201,
      send: (api, f) => admin(api.post(`/v1/products/${f.productId}/description`)).send({ style: 'short' }),
      keep: (b, f) => void f.drafts.push(bodyOf<{ id: string }>(b).id),
    },
    {
      name: 'a second draft',
      status: 201,
      send: (api, f) => admin(api.post(`/v1/products/${f.productId}/description`)).send({ style: 'short' }),
      keep: (b, f) => void f.drafts.push(bodyOf<{ id: string }>(b).id),
    },
    {
      name: '400 unknown style',
      status: 400,
      send: (api, f) => admin(api.post(`/v1/products/${f.productId}/description`)).send({ style: 'epic' }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.post(`/v1/products/${f.productId}/description`).send({ style: 'short' }),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => admin(api.post(`/v1/products/${UNKNOWN}/description`)).send({ style: 'short' }),
    },
  ],
  'GET /v1/admin/products/{id}/descriptions': [
    {
      name: 'the drafts',
      status: 200,
      send: (api, f) => admin(api.get(`/v1/admin/products/${f.productId}/descriptions`)),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.get(`/v1/admin/products/${f.productId}/descriptions`),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => admin(api.get(`/v1/admin/products/${UNKNOWN}/descriptions`)),
    },
  ],
  'POST /v1/admin/descriptions/{id}/approve': [
    {
      name: 'approve',
      status: 200,
      send: (api, f) => admin(api.post(`/v1/admin/descriptions/${f.drafts[0]}/approve`)).send({ note: 'ok' }),
    },
    {
      name: '409 already reviewed',
      status: 409,
      send: (api, f) => admin(api.post(`/v1/admin/descriptions/${f.drafts[0]}/approve`)).send({}),
    },
    {
      name: '400 unknown field',
      status: 400,
      send: (api, f) => admin(api.post(`/v1/admin/descriptions/${f.drafts[1]}/approve`)).send({ notes: 'x' }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.post(`/v1/admin/descriptions/${f.drafts[1]}/approve`).send({}),
    },
    {
      name: '404 unknown draft',
      status: 404,
      send: (api) => admin(api.post(`/v1/admin/descriptions/${UNKNOWN}/approve`)).send({}),
    },
  ],
  'POST /v1/admin/descriptions/{id}/reject': [
    {
      name: 'reject',
      status: 200,
      send: (api, f) => admin(api.post(`/v1/admin/descriptions/${f.drafts[1]}/reject`)).send({ note: 'no' }),
    },
    {
      name: '409 already reviewed',
      status: 409,
      send: (api, f) => admin(api.post(`/v1/admin/descriptions/${f.drafts[1]}/reject`)).send({}),
    },
    {
      name: '404 unknown draft',
      status: 404,
      send: (api) => admin(api.post(`/v1/admin/descriptions/${UNKNOWN}/reject`)).send({}),
    },
  ],
  'POST /v1/admin/descriptions/generate-missing': [
    {
      name: 'one draft',
      status: 200,
      send: (api) =>
        admin(api.post('/v1/admin/descriptions/generate-missing')).send({ style: 'short', limit: 1 }),
    },
    {
      name: '400 limit out of range',
      status: 400,
      send: (api) =>
        admin(api.post('/v1/admin/descriptions/generate-missing')).send({ style: 'short', limit: 0 }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.post('/v1/admin/descriptions/generate-missing').send({ style: 'short' }),
    },
  ],
  'POST /v1/chat': [
    {
      name: 'a first turn',
      status: 200,
      send: (api) => api.post('/v1/chat').send({ message: 'red apples under 10 euros' }),
      keep: (b, f) => void (f.conversationId = bodyOf<{ conversationId: string }>(b).conversationId),
    },
    {
      name: 'a question about the first product',
      status: 200,
      send: (api, f) =>
        api
          .post('/v1/chat')
          .send({ conversationId: f.conversationId, message: 'what colour is the first one?' }),
    },
    {
      name: 'a picture turn',
      status: 200,
      send: (api) =>
        api.post('/v1/chat').attach('image', PICTURE, 'red-apple.png').field('message', 'like this'),
    },
    {
      name: 'server-sent events',
      status: 200,
      contentType: 'text/event-stream',
      stream: () => ({
        method: 'POST',
        path: '/v1/chat',
        headers: { accept: 'text/event-stream' },
        json: { message: 'blue mugs' },
      }),
    },
    { name: '400 empty message', status: 400, send: (api) => api.post('/v1/chat').send({ message: '' }) },
    {
      name: '404 unknown conversation',
      status: 404,
      send: (api) => api.post('/v1/chat').send({ conversationId: UNKNOWN, message: 'hello' }),
    },
    {
      name: '413 body over 64 kB',
      status: 413,
      send: (api) => api.post('/v1/chat').send({ message: HUGE_TEXT }),
    },
    {
      name: '415 not a picture',
      status: 415,
      send: (api) => api.post('/v1/chat').attach('image', Buffer.from('plain text'), 'a.png'),
    },
  ],
  'GET /v1/chat/{id}': [
    {
      name: 'the turns',
      status: 200,
      send: (api, f) => api.get(`/v1/chat/${f.conversationId}`),
    },
    { name: '404 unknown conversation', status: 404, send: (api) => api.get(`/v1/chat/${UNKNOWN}`) },
  ],
  'DELETE /v1/chat/{id}': [
    { name: 'forget', status: 204, send: (api, f) => api.delete(`/v1/chat/${f.conversationId}`) },
    {
      name: '404 already forgotten',
      status: 404,
      send: (api, f) => api.delete(`/v1/chat/${f.conversationId}`),
    },
  ],
  'POST /v1/events': [
    {
      name: 'a click',
      status: 202,
      send: (api, f) => api.post('/v1/events').send({ type: 'click', productId: f.productId, position: 1 }),
    },
    {
      name: '400 unknown event type',
      status: 400,
      send: (api, f) => api.post('/v1/events').send({ type: 'like', productId: f.productId }),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => api.post('/v1/events').send({ type: 'purchase', productId: UNKNOWN }),
    },
    {
      name: '413 body over 64 kB',
      status: 413,
      send: (api, f) =>
        api.post('/v1/events').send({ type: 'click', productId: f.productId, pad: HUGE_TEXT }),
    },
  ],
  'GET /v1/admin/analytics': [
    { name: 'a week', status: 200, send: (api) => admin(api.get('/v1/admin/analytics?days=7')) },
    {
      name: '400 days out of range',
      status: 400,
      send: (api) => admin(api.get('/v1/admin/analytics?days=0')),
    },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/analytics') },
  ],
  'POST /v1/admin/synonyms': [
    {
      name: 'a set',
      status: 201,
      send: (api) => admin(api.post('/v1/admin/synonyms')).send({ terms: ['mug', 'cup'] }),
      keep: (b, f) => void (f.synonymSetId = bodyOf<{ id: string }>(b).id),
    },
    {
      name: '400 a single term',
      status: 400,
      send: (api) => admin(api.post('/v1/admin/synonyms')).send({ terms: ['mug'] }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.post('/v1/admin/synonyms').send({ terms: ['mug', 'cup'] }),
    },
  ],
  'GET /v1/admin/synonyms': [
    { name: 'the sets', status: 200, send: (api) => admin(api.get('/v1/admin/synonyms')) },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/synonyms') },
  ],
  'PUT /v1/admin/synonyms/{id}': [
    {
      name: 'replace the terms',
      status: 200,
      send: (api, f) =>
        admin(api.put(`/v1/admin/synonyms/${f.synonymSetId}`)).send({ terms: ['mug', 'cup', 'beaker'] }),
    },
    {
      name: '400 no terms',
      status: 400,
      send: (api, f) => admin(api.put(`/v1/admin/synonyms/${f.synonymSetId}`)).send({ terms: [] }),
    },
    {
      name: '404 unknown set',
      status: 404,
      send: (api) => admin(api.put(`/v1/admin/synonyms/${UNKNOWN}`)).send({ terms: ['mug', 'cup'] }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.put(`/v1/admin/synonyms/${f.synonymSetId}`).send({ terms: ['mug', 'cup'] }),
    },
  ],
  'DELETE /v1/admin/synonyms/{id}': [
    {
      name: 'delete',
      status: 204,
      send: (api, f) => admin(api.delete(`/v1/admin/synonyms/${f.synonymSetId}`)),
    },
    {
      name: '404 already deleted',
      status: 404,
      send: (api, f) => admin(api.delete(`/v1/admin/synonyms/${f.synonymSetId}`)),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.delete(`/v1/admin/synonyms/${f.synonymSetId}`),
    },
  ],
  'POST /v1/admin/products': [
    {
      name: 'create by SKU',
      status: 200,
      send: (api) =>
        admin(api.post('/v1/admin/products')).send({
          sku: 'CONTRACT-MUG-1',
          title: 'Contract mug',
          description: 'A mug only the contract test sells',
          brand: 'Testware',
          category: 'Kitchen',
          price: { amount: '9.90', currency: 'EUR' },
          attributes: { color: 'blue' },
          images: [],
        }),
      keep: (b, f) => void (f.upsertedId = bodyOf<{ id: string }>(b).id),
    },
    {
      name: '400 no title',
      status: 400,
      send: (api) => admin(api.post('/v1/admin/products')).send({ sku: 'CONTRACT-MUG-2' }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.post('/v1/admin/products').send({ sku: 'CONTRACT-MUG-3', title: 'x' }),
    },
  ],
  'PATCH /v1/admin/products/{id}': [
    {
      name: 'change the title',
      status: 200,
      send: (api, f) =>
        admin(api.patch(`/v1/admin/products/${f.upsertedId}`)).send({ title: 'Contract mug, blue' }),
    },
    {
      name: '400 inStock not a boolean',
      status: 400,
      send: (api, f) => admin(api.patch(`/v1/admin/products/${f.upsertedId}`)).send({ inStock: 'yes' }),
    },
    {
      name: '404 unknown product',
      status: 404,
      send: (api) => admin(api.patch(`/v1/admin/products/${UNKNOWN}`)).send({ title: 'x' }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.patch(`/v1/admin/products/${f.upsertedId}`).send({ title: 'x' }),
    },
  ],
  'GET /v1/admin/products': [
    { name: 'a page', status: 200, send: (api) => admin(api.get('/v1/admin/products?q=CONTRACT&limit=5')) },
    {
      name: '400 limit out of range',
      status: 400,
      send: (api) => admin(api.get('/v1/admin/products?limit=0')),
    },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/products') },
  ],
  'DELETE /v1/admin/products/{id}': [
    {
      name: 'delete',
      status: 200,
      send: (api, f) => admin(api.delete(`/v1/admin/products/${f.upsertedId}`)),
    },
    {
      name: '404 already deleted',
      status: 404,
      send: (api, f) => admin(api.delete(`/v1/admin/products/${f.upsertedId}`)),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.delete(`/v1/admin/products/${f.upsertedId}`),
    },
  ],
  'PUT /v1/admin/products/by-sku/{sku}': [
    {
      name: 'create under a SKU',
      status: 200,
      send: (api) =>
        admin(api.put('/v1/admin/products/by-sku/CONTRACT-PUT-1')).send({
          title: 'Contract bowl',
          category: 'Kitchen',
          price: { amount: '6', currency: 'EUR' },
          images: [],
        }),
    },
    {
      name: '400 title not a string',
      status: 400,
      send: (api) => admin(api.put('/v1/admin/products/by-sku/CONTRACT-PUT-1')).send({ title: 5 }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.put('/v1/admin/products/by-sku/CONTRACT-PUT-1').send({ title: 'x' }),
    },
  ],
  'DELETE /v1/admin/products/by-sku/{sku}': [
    {
      name: 'delete',
      status: 200,
      send: (api) => admin(api.delete('/v1/admin/products/by-sku/CONTRACT-PUT-1')),
    },
    {
      name: '404 already deleted',
      status: 404,
      send: (api) => admin(api.delete('/v1/admin/products/by-sku/CONTRACT-PUT-1')),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.delete('/v1/admin/products/by-sku/CONTRACT-PUT-1'),
    },
  ],
  'GET /v1/admin/index': [
    { name: 'the index', status: 200, send: (api) => admin(api.get('/v1/admin/index')) },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/index') },
  ],
  'GET /v1/admin/descriptions': [
    {
      name: 'the approval queue',
      status: 200,
      send: (api) => admin(api.get('/v1/admin/descriptions?status=pending&limit=5')),
    },
    {
      name: '400 unknown status',
      status: 400,
      send: (api) => admin(api.get('/v1/admin/descriptions?status=lost')),
    },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/descriptions') },
  ],
  'POST /v1/admin/import': [
    {
      name: 'a catalog file',
      status: 202,
      send: (api) => admin(api.post('/v1/admin/import')).attach('file', CATALOG_LINE, 'catalog.jsonl'),
      keep: (b, f) => void (f.importJobId = bodyOf<{ jobId: string }>(b).jobId),
    },
    {
      name: '400 no file part',
      status: 400,
      send: (api) => admin(api.post('/v1/admin/import')).field('note', 'no file'),
    },
    {
      name: '413 file over ADMIN_IMPORT_MAX_BYTES',
      status: 413,
      send: (api) =>
        admin(api.post('/v1/admin/import')).attach(
          'file',
          Buffer.concat(Array.from({ length: 40 }, () => CATALOG_LINE)),
          'catalog.jsonl',
        ),
    },
    {
      name: '415 JSON instead of a file',
      status: 415,
      send: (api) => admin(api.post('/v1/admin/import')).send({ sku: 'X' }),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api) => api.post('/v1/admin/import').attach('file', CATALOG_LINE, 'catalog.jsonl'),
    },
  ],
  'GET /v1/admin/imports/{jobId}': [
    { name: 'progress', status: 200, send: (api, f) => admin(api.get(`/v1/admin/imports/${f.importJobId}`)) },
    {
      name: '404 unknown import',
      status: 404,
      send: (api) => admin(api.get('/v1/admin/imports/import-999999')),
    },
    { name: '401 without key', status: 401, send: (api, f) => api.get(`/v1/admin/imports/${f.importJobId}`) },
  ],
  'GET /v1/admin/imports/{jobId}/events': [
    {
      name: 'progress events',
      status: 200,
      contentType: 'text/event-stream',
      stream: (f) => ({
        method: 'GET',
        path: `/v1/admin/imports/${f.importJobId}/events`,
        headers: { 'x-api-key': KEY },
      }),
    },
    {
      name: '404 unknown import',
      status: 404,
      send: (api) => admin(api.get('/v1/admin/imports/import-999999/events')),
    },
    {
      name: '401 without key',
      status: 401,
      send: (api, f) => api.get(`/v1/admin/imports/${f.importJobId}/events`),
    },
  ],
  'GET /v1/admin/index/failures': [
    { name: 'failures', status: 200, send: (api) => admin(api.get('/v1/admin/index/failures?limit=5')) },
    {
      name: '400 limit out of range',
      status: 400,
      send: (api) => admin(api.get('/v1/admin/index/failures?limit=0')),
    },
    { name: '401 without key', status: 401, send: (api) => api.get('/v1/admin/index/failures') },
  ],
  'POST /v1/admin/reindex': [
    {
      name: 'start',
      status: 202,
      send: (api) => admin(api.post('/v1/admin/reindex')),
      keep: (b, f) => void (f.jobId = bodyOf<{ jobId: string }>(b).jobId),
    },
    { name: '401 without key', status: 401, send: (api) => api.post('/v1/admin/reindex') },
  ],
  'GET /v1/admin/jobs/{id}': [
    { name: 'progress', status: 200, send: (api, f) => admin(api.get(`/v1/admin/jobs/${f.jobId}`)) },
    { name: '404 unknown job', status: 404, send: (api) => admin(api.get('/v1/admin/jobs/reindex.999999')) },
    { name: '401 without key', status: 401, send: (api, f) => api.get(`/v1/admin/jobs/${f.jobId}`) },
  ],
  'GET /v1/admin/jobs/{id}/events': [
    {
      name: 'progress events',
      status: 200,
      contentType: 'text/event-stream',
      stream: (f) => ({
        method: 'GET',
        path: `/v1/admin/jobs/${f.jobId}/events`,
        headers: { 'x-api-key': KEY },
      }),
    },
    {
      name: '404 unknown job',
      status: 404,
      send: (api) => admin(api.get('/v1/admin/jobs/reindex.999999/events')),
    },
    { name: '401 without key', status: 401, send: (api, f) => api.get(`/v1/admin/jobs/${f.jobId}/events`) },
  ],
};

/**
 * Responses known to say too little for a typed client (see `ApiContract.looseResponses`), each to be fixed in
 * its controller's decorators; a new one fails the test.
 */
const KNOWN_LOOSE = [
  'GET /healthz 200 application/json: object without properties',
  'GET /v1/products/{id}/images/{position} 200: no content documented',
];

describe('the API contract (docs/openapi.json) against the running app', () => {
  const contract = ApiContract.load();
  let t: ApiTestApp;
  let base: string;
  const fixtures: Fixtures = { productId: '', drafts: [] };

  beforeAll(async () => {
    t = await startApiApp({
      demoCatalog: true,
      env: {
        DATABASE_URL: '',
        REDIS_URL: '',
        ADMIN_API_KEYS: KEY,
        ADMIN_AUTH_FAILURES_PER_MINUTE: '1000',
        RATE_LIMIT_PER_MINUTE: '0',
        IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES),
        ADMIN_IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES),
      },
    });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    const page = await request(t.server)
      .post('/v1/search/text')
      .send({ query: 'red apple', limit: 1 })
      .expect(200);
    fixtures.productId = bodyOf<{ items: { id: string }[] }>(page.body).items[0]!.id;
  }, 300_000);
  afterAll(async () => {
    // The reindex case started a job: let it finish before the store closes under it.
    if (t) await waitForIdle(t.queue, 240_000);
    await t?.close();
  }, 300_000);

  it('is the document the app serves (else run `npm run openapi` and commit docs/openapi.json)', async () => {
    const served = (await request(t.server).get('/docs/openapi.json').expect(200)).body as OpenAPIObject;
    // Compared as JSON text, so key order counts; the file's formatting is `npm run format:check`'s business.
    const committed = JSON.parse(readFileSync(API_CONTRACT_FILE, 'utf8')) as OpenAPIObject;
    const current = normalizeOpenApiDocument(served);
    if (JSON.stringify(current) !== JSON.stringify(committed)) {
      const differences = jsonDifferences(committed, current);
      throw new Error(
        'docs/openapi.json is not the document the app serves: run `npm run openapi` and commit it.\n' +
          `First differences:\n  ${differences.join('\n  ') || '(formatting only)'}`,
      );
    }
  });

  it('has a success case and an error case for every documented operation, and no case for an undocumented one', () => {
    const documented = contract.operationKeys();
    const missing = documented.filter((k) => !CASES[k]);
    const stale = Object.keys(CASES).filter((k) => !documented.includes(k));
    const withoutSuccess = documented.filter((k) => CASES[k] && !CASES[k].some((c) => c.status < 400));
    const withoutError = documented.filter((k) => {
      const [method, template] = [k.slice(0, k.indexOf(' ')), k.slice(k.indexOf(' ') + 1)];
      const documentsClientError = Object.keys(contract.operation(method, template)!.responses).some(
        (s) => /^4/.test(s) && s !== '429',
      );
      return documentsClientError && CASES[k] && !CASES[k].some((c) => c.status >= 400);
    });
    expect({ missing, stale, withoutSuccess, withoutError }).toEqual({
      missing: [],
      stale: [],
      withoutSuccess: [],
      withoutError: [],
    });
  });

  it('lists the responses too loose for a typed client, and no new ones', () => {
    expect(contract.looseResponses()).toEqual(KNOWN_LOOSE);
  });

  const table = Object.entries(CASES).flatMap(([key, cases]) => cases.map((c) => ({ key, c })));
  describe.each(table.map(({ key, c }) => [`${key}: ${c.name}`, key, c] as const))('%s', (_title, key, c) => {
    const title = c.gap
      ? `answers ${c.status}, which the document does not describe yet (known gap: ${c.gap})`
      : `answers ${c.status} as documented`;
    it(title, async () => {
      const seen = c.stream
        ? await head(c.stream(fixtures))
        : seenOf(await c.send!(request(t.server), fixtures));
      expect({ status: seen.status, body: seen.status === c.status ? '' : seen.text }).toEqual({
        status: c.status,
        body: '',
      });
      c.keep?.(seen.body, fixtures);
      if (c.contentType)
        expect(String(seen.headers['content-type'])).toMatch(new RegExp(`^${c.contentType}`));
      const problems = contract.problems(key, seen);
      // A gap that is gone fails here too: drop its `gap` mark.
      if (c.gap) expect(problems).not.toEqual([]);
      else expect(problems).toEqual([]);
    });
  });

  /** Status and headers of a streamed response; the stream is then dropped. */
  async function head(target: StreamRequest): Promise<SeenResponse & { text: string }> {
    const abort = new AbortController();
    const res = await fetch(`${base}${target.path}`, {
      method: target.method,
      headers: {
        ...(target.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...target.headers,
      },
      ...(target.json !== undefined ? { body: JSON.stringify(target.json) } : {}),
      signal: abort.signal,
    });
    const headers = Object.fromEntries(res.headers.entries());
    abort.abort();
    return { status: res.status, headers, text: '' };
  }
});

function seenOf(res: request.Response): SeenResponse & { text: string } {
  return {
    status: res.status,
    headers: res.headers,
    body: res.body,
    text: typeof res.text === 'string' ? res.text.slice(0, 400) : '',
  };
}
