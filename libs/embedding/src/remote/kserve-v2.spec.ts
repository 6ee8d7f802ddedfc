import { ProtocolError, decodeBody, encodeBody, idsAs, toInt32 } from './kserve-v2';

describe('KServe v2 bodies', () => {
  const ids = new BigInt64Array([2n, 100n, 3n, 2n, 3n, 0n]);
  const pixels = Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5);
  const tensors = [
    { name: 'input_ids', shape: [2, 3], data: ids },
    { name: 'pixel_values', shape: [1, 3, 2, 2], data: pixels },
  ];

  it.each([true, false])('round-trips tensors (binary %s) with their types and values', (binary) => {
    const { body, headerLength } = encodeBody({ id: 'r1' }, 'inputs', tensors, binary);
    expect(headerLength === undefined).toBe(!binary);
    const { header, tensors: out } = decodeBody<{ id: string; inputs: unknown }>(
      body,
      headerLength,
      'inputs',
    );
    expect(header.id).toBe('r1');
    expect(out.map((t) => [t.name, t.datatype, t.shape])).toEqual([
      ['input_ids', 'INT64', [2, 3]],
      ['pixel_values', 'FP32', [1, 3, 2, 2]],
    ]);
    expect(out[0]!.data).toEqual(ids);
    expect(out[1]!.data).toEqual(pixels);
  });

  it('is much smaller in binary for float tensors', () => {
    const big = [
      { name: 'pixel_values', shape: [1, 3, 224, 224], data: new Float32Array(150_528).fill(0.123456) },
    ];
    const bin = encodeBody({}, 'inputs', big, true).body.length;
    const json = encodeBody({}, 'inputs', big, false).body.length;
    expect(json / bin).toBeGreaterThan(2);
  });

  it('accepts nested JSON data as Triton clients send it', () => {
    const body = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: 'input_ids',
            datatype: 'INT32',
            shape: [2, 2],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      }),
    );
    expect(toInt32(decodeBody(body, undefined, 'inputs').tensors[0]!.data)).toEqual(
      new Int32Array([1, 2, 3, 4]),
    );
  });

  it('refuses a binary size that does not match the shape, a header length past the body, and data of the wrong length', () => {
    const { body, headerLength } = encodeBody({}, 'inputs', [tensors[1]!], true);
    const header = JSON.parse(body.subarray(0, headerLength).toString()) as { inputs: { shape: number[] }[] };
    header.inputs[0]!.shape = [1, 3, 2, 3];
    const lying = Buffer.concat([Buffer.from(JSON.stringify(header)), body.subarray(headerLength)]);
    expect(() => decodeBody(lying, JSON.stringify(header).length, 'inputs')).toThrow(ProtocolError);
    expect(() => decodeBody(body, body.length + 1, 'inputs')).toThrow(ProtocolError);
    const short = Buffer.from(
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2] }] }),
    );
    expect(() => decodeBody(short, undefined, 'inputs')).toThrow(/3 numbers/);
  });

  it('writes token ids in the type the graph declares', () => {
    expect(idsAs('INT64', new Int32Array([49406, 7]))).toEqual(new BigInt64Array([49406n, 7n]));
    expect(idsAs('INT32', new Int32Array([1]))).toBeInstanceOf(Int32Array);
  });
});
