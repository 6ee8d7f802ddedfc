import { OpenApiSchemaChecker, type OpenApiDocument } from './openapi-schema';

/** The shapes @nestjs/swagger writes: `nullable` references as `allOf`, `oneOf` unions, free-form objects. */
const doc: OpenApiDocument = {
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingDto' } } } },
          '404': { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorDto' } } } },
        },
      },
      delete: { responses: { '204': { description: 'deleted' } } },
    },
    '/v1/things/{id}/events': {
      get: { responses: { '200': { content: { 'text/event-stream': {} } } } },
    },
  },
  components: {
    schemas: {
      MoneyDto: {
        type: 'object',
        properties: { amount: { type: 'string' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
        required: ['amount', 'currency'],
      },
      ThingDto: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          price: { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/MoneyDto' }] },
          amount: { oneOf: [{ type: 'string' }, { type: 'number' }] },
          createdAt: { type: 'string', format: 'date-time' },
          tags: { type: 'array', maxItems: 2, items: { type: 'string', maxLength: 5 } },
          explain: { type: 'object', additionalProperties: true },
        },
        required: ['id', 'price'],
      },
      ErrorDto: { type: 'object', properties: { error: { type: 'object' } }, required: ['error'] },
    },
  },
};
const checker = new OpenApiSchemaChecker(doc);
const GET = ['GET', '/v1/things/{id}'] as const;
const id = '0b6f9a54-5b6a-4a57-9d55-1a3c1e0b2c11';

describe('OpenApiSchemaChecker', () => {
  it('accepts a response that matches, with a nullable reference either null or the referenced object', () => {
    expect(checker.checkResponse(...GET, 200, { id, price: null })).toEqual([]);
    const full = {
      id,
      price: { amount: '12.9', currency: 'EUR' },
      amount: 3,
      createdAt: '2026-12-04T18:00:00.000Z',
      tags: ['a'],
      explain: { anything: [1] },
    };
    expect(checker.checkResponse(...GET, 200, full, 'application/json; charset=utf-8')).toEqual([]);
  });

  it('names each field that breaks the schema, through allOf references', () => {
    expect(
      checker.checkResponse(...GET, 200, {
        id: 'nope',
        price: { amount: 12.9, currency: 'eur', cents: 1290 },
        createdAt: 'yesterday',
        tags: ['a', 'b', 'toolong'],
        extra: true,
      }),
    ).toEqual([
      'response.id: expected a UUID, got string "nope"',
      'response.price.amount: expected string, got number 12.9',
      'response.price.currency: string "eur" does not match ^[A-Z]{3}$',
      'response.price.cents: not a declared property',
      'response.createdAt: expected an RFC 3339 date-time, got string "yesterday"',
      'response.tags: expected at most 2 items',
      'response.tags[2]: expected at most 5 characters',
      'response.extra: not a declared property',
    ]);
    expect(checker.checkResponse(...GET, 200, { id, price: { amount: '1' } })).toEqual([
      'response.price.currency: required',
    ]);
  });

  it('refuses a status or media type the operation does not document', () => {
    expect(checker.checkResponse(...GET, 500, {})).toEqual([
      'status 500 is not a documented response of GET /v1/things/{id} (documented: 200, 404)',
    ]);
    expect(checker.checkResponse(...GET, 404, { error: {} }, 'text/html')).toEqual([
      'status 404 answered text/html, documented: application/json',
    ]);
    expect(checker.checkResponse('DELETE', '/v1/things/{id}', 204, undefined)).toEqual([]);
    expect(checker.checkResponse('DELETE', '/v1/things/{id}', 204, {}, 'application/json')).toEqual([
      'status 204 is documented without a body, but the response has application/json',
    ]);
    expect(
      checker.checkResponse('GET', '/v1/things/{id}/events', 200, undefined, 'text/event-stream'),
    ).toEqual([]);
    expect(checker.checkResponse('POST', '/v1/things/{id}', 200, {})).toEqual([
      'POST /v1/things/{id} is not in the document',
    ]);
  });

  it('lists every documented operation', () => {
    expect(checker.operationKeys()).toEqual([
      'GET /v1/things/{id}',
      'DELETE /v1/things/{id}',
      'GET /v1/things/{id}/events',
    ]);
  });
});
