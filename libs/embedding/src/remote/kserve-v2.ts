/**
 * The parts of the KServe v2 / Triton HTTP inference protocol that the embedding service and its client speak
 * (https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/), with Triton's binary tensor
 * extension: a request or response body is the JSON header followed by the tensors' raw little-endian bytes, the
 * header's length in `Inference-Header-Content-Length`, each binary tensor marked with `binary_data_size`. JSON
 * numbers are kept for clients that do not ask for binary (curl, a first look); the pixel tensor of one ViT-B/32
 * picture is 150,528 floats, several times cheaper to move as bytes than to print and parse.
 */

/** The tensor data types these graphs use (KServe names). */
export type V2DataType = 'INT64' | 'INT32' | 'FP32';

/** Header field that holds the JSON header's byte length when binary tensors follow it. */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/** The two graphs of a CLIP export, served as two models named after their ONNX files. */
export const TEXT_MODEL = 'text_model';
export const VISION_MODEL = 'vision_model';

/**
 * Model configuration parameter (Triton `config.pbtxt` `parameters`) that carries Vitrine's model id
 * (`<name>@<12 hex of the ONNX files' sha256>`). A client refuses a service that does not declare the id it has.
 */
export const MODEL_ID_PARAMETER = 'vitrine_model_id';

/** Request parameter (Triton's) for the scheduling priority: 1 before 2. Vitrine sends 1 for searches. */
export const PRIORITY_PARAMETER = 'priority';

export interface V2TensorMetadata {
  readonly name: string;
  readonly datatype: V2DataType;
  /** -1 for a dimension of any size. */
  readonly shape: readonly number[];
}

/** `GET /v2/models/{name}`. */
export interface V2ModelMetadata {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly platform: string;
  readonly inputs: readonly V2TensorMetadata[];
  readonly outputs: readonly V2TensorMetadata[];
}

/** `GET /v2/models/{name}/config`: the subset of Triton's model configuration read here. */
export interface V2ModelConfig {
  readonly name: string;
  readonly max_batch_size?: number;
  readonly parameters?: Readonly<Record<string, { readonly string_value: string }>>;
}

/** A tensor in a request or response. `data` is absent when the bytes follow the JSON header. */
export interface V2Tensor {
  readonly name: string;
  readonly datatype: V2DataType;
  readonly shape: readonly number[];
  readonly parameters?: { readonly binary_data_size?: number; readonly binary_data?: boolean };
  readonly data?: readonly number[];
}

export interface V2InferRequest {
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly inputs: readonly V2Tensor[];
  readonly outputs?: readonly {
    readonly name: string;
    readonly parameters?: { readonly binary_data?: boolean };
  }[];
}

export interface V2InferResponse {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly outputs: readonly V2Tensor[];
}

/** Error body of every route (`{ "error": "..." }`). */
export interface V2Error {
  readonly error: string;
}

/** A decoded tensor: typed values, whichever way they travelled. */
export interface DecodedTensor {
  readonly name: string;
  readonly datatype: V2DataType;
  readonly shape: readonly number[];
  readonly data: Int32Array | BigInt64Array | Float32Array;
}

/** Values of a typed tensor, to encode. */
export interface TensorValues {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Int32Array | BigInt64Array | Float32Array;
}

/** Malformed body or tensor: the server answers 400 with the message. */
export class ProtocolError extends Error {}

export function datatypeOf(data: TensorValues['data']): V2DataType {
  if (data instanceof Float32Array) return 'FP32';
  if (data instanceof BigInt64Array) return 'INT64';
  return 'INT32';
}

function bytesPerElement(t: V2DataType): number {
  return t === 'INT64' ? 8 : 4;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * A JSON header and the binary tensors after it, as one body. `binary` false writes every tensor as JSON numbers
 * (no extension: what any KServe v2 server understands).
 */
export function encodeBody(
  header: Readonly<Record<string, unknown>>,
  tensorsKey: 'inputs' | 'outputs',
  tensors: readonly TensorValues[],
  binary: boolean,
): { readonly body: Buffer; readonly headerLength: number | undefined } {
  const described: V2Tensor[] = tensors.map((t) => {
    const datatype = datatypeOf(t.data);
    if (binary)
      return { name: t.name, datatype, shape: t.shape, parameters: { binary_data_size: t.data.byteLength } };
    const data = t.data instanceof BigInt64Array ? Array.from(t.data, Number) : Array.from(t.data);
    return { name: t.name, datatype, shape: t.shape, data };
  });
  const json = Buffer.from(JSON.stringify({ ...header, [tensorsKey]: described }));
  if (!binary) return { body: json, headerLength: undefined };
  const parts = [
    json,
    ...tensors.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ];
  return { body: Buffer.concat(parts), headerLength: json.length };
}

/**
 * Splits a body into its JSON header and the decoded tensors under `tensorsKey`. `headerLength` comes from the
 * `Inference-Header-Content-Length` field; without it the whole body is JSON.
 */
export function decodeBody<H extends { readonly inputs?: unknown; readonly outputs?: unknown }>(
  body: Buffer,
  headerLength: number | undefined,
  tensorsKey: 'inputs' | 'outputs',
): { readonly header: H; readonly tensors: DecodedTensor[] } {
  if (
    headerLength !== undefined &&
    (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length)
  )
    throw new ProtocolError(
      `${INFERENCE_HEADER_CONTENT_LENGTH} ${headerLength} does not fit a ${body.length}-byte body`,
    );
  const jsonEnd = headerLength ?? body.length;
  let header: H;
  try {
    header = JSON.parse(body.subarray(0, jsonEnd).toString('utf8')) as H;
  } catch {
    throw new ProtocolError(
      'the body is not JSON (binary tensors need the Inference-Header-Content-Length header)',
    );
  }
  const list = header?.[tensorsKey];
  if (!Array.isArray(list)) throw new ProtocolError(`the body has no ${tensorsKey} array`);
  let offset = jsonEnd;
  const tensors = (list as V2Tensor[]).map((t): DecodedTensor => {
    if (
      !t ||
      typeof t.name !== 'string' ||
      !Array.isArray(t.shape) ||
      !t.shape.every((d) => Number.isInteger(d) && d >= 0)
    )
      throw new ProtocolError(`a tensor in ${tensorsKey} has no name or a bad shape`);
    if (t.datatype !== 'FP32' && t.datatype !== 'INT64' && t.datatype !== 'INT32')
      throw new ProtocolError(
        `${t.name}: datatype ${String(t.datatype)} is not supported (FP32, INT64, INT32)`,
      );
    const count = elementCount(t.shape);
    const size = t.parameters?.binary_data_size;
    if (size !== undefined) {
      if (size !== count * bytesPerElement(t.datatype) || offset + size > body.length)
        throw new ProtocolError(
          `${t.name}: binary_data_size ${size} does not match shape [${t.shape.join(', ')}]`,
        );
      // Copied out so the typed array is aligned whatever the header's length.
      const bytes = Buffer.from(body.subarray(offset, offset + size));
      offset += size;
      return { name: t.name, datatype: t.datatype, shape: t.shape, data: typed(t.datatype, bytes, count) };
    }
    const flat = Array.isArray(t.data) ? (t.data as unknown[]).flat(Infinity) : undefined;
    if (!flat || flat.length !== count || !flat.every((v) => typeof v === 'number'))
      throw new ProtocolError(`${t.name}: data must hold ${count} numbers for shape [${t.shape.join(', ')}]`);
    const nums = flat;
    const data =
      t.datatype === 'FP32'
        ? Float32Array.from(nums)
        : t.datatype === 'INT64'
          ? BigInt64Array.from(nums, (v) => BigInt(Math.trunc(v)))
          : Int32Array.from(nums);
    return { name: t.name, datatype: t.datatype, shape: t.shape, data };
  });
  return { header, tensors };
}

function typed(t: V2DataType, bytes: Buffer, count: number): DecodedTensor['data'] {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  if (t === 'FP32') return new Float32Array(ab, 0, count);
  if (t === 'INT64') return new BigInt64Array(ab, 0, count);
  return new Int32Array(ab, 0, count);
}

/** Int32 values of an id tensor (token ids and masks fit in 32 bits). */
export function toInt32(data: DecodedTensor['data']): Int32Array {
  if (data instanceof Int32Array) return data;
  if (data instanceof BigInt64Array) return Int32Array.from(data, (v) => Number(v));
  return Int32Array.from(data);
}

/** Token ids in the type a graph declares. */
export function idsAs(type: 'INT64' | 'INT32', data: Int32Array): Int32Array | BigInt64Array {
  if (type === 'INT32') return data;
  const big = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) big[i] = BigInt(data[i] as number);
  return big;
}
