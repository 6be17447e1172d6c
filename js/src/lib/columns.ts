// Reassembling a column from the kernel's chunks (nbdatalens/column_stream.py).
//
// A column reply is one message per chunk of at most 2 MiB: a header naming the
// column, its version, wire dtype, length, encoding ("raw" or "linear") and the
// rows it carries, with the bytes as one binary buffer or, on hosts that drop
// buffers, as base64 text in `data`. Linear columns decode to float32:
// low + k * ((high - low) / steps), the largest code meaning missing (NaN).

import { asBytes, type Bytes, type DType } from "./codec";

export type ColumnArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface ChunkHeader {
  name: string;
  version: number;
  dtype: string;
  n: number;
  encoding: "raw" | "linear";
  low?: number;
  high?: number;
  steps?: number;
  offset: number;
  rows: number;
  chunk: number;
  chunks: number;
  categories?: string[];
  data?: string;
}

/** Thrown when a chunk carries neither a buffer nor base64 text: the host dropped it. */
export class BuffersDropped extends Error {
  constructor(name: string) {
    super(`nbdatalens: the host delivered column ${name} without its binary buffer`);
    this.name = "BuffersDropped";
  }
}

const RAW: Record<string, new (n: number) => ColumnArray> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};
const ITEM: Record<string, number> = {
  uint8: 1,
  uint16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** Collects one column's chunks into one typed array (in any arrival order). */
export class ColumnAssembler {
  readonly name: string;
  readonly version: number;
  readonly array: ColumnArray;
  readonly categories: string[] | undefined;
  private readonly seen = new Set<number>();
  private readonly chunks: number;

  constructor(first: ChunkHeader) {
    const ctor = RAW[first.dtype as DType];
    if (ctor === undefined) throw new TypeError(`column ${first.name}: dtype ${first.dtype}`);
    this.name = first.name;
    this.version = first.version;
    this.chunks = first.chunks;
    this.categories = first.categories;
    this.array =
      first.encoding === "linear" ? new Float32Array(first.n).fill(NaN) : new ctor(first.n);
  }

  get complete(): boolean {
    return this.seen.size >= this.chunks;
  }

  /** Add one chunk (its header and the buffer the message carried, if any). */
  add(header: ChunkHeader, buffer: Bytes | undefined): void {
    if (header.categories !== undefined && this.categories === undefined) {
      (this as { categories: string[] | undefined }).categories = header.categories;
    }
    let bytes: Uint8Array;
    if (typeof header.data === "string") bytes = asBytes(header.data);
    else if (buffer !== undefined && buffer !== null) bytes = asBytes(buffer);
    else throw new BuffersDropped(header.name);
    const item = ITEM[header.dtype];
    if (bytes.byteLength !== header.rows * item) {
      throw new RangeError(
        `column ${header.name}: chunk ${header.chunk} needs ${header.rows * item} bytes, got ${bytes.byteLength}`,
      );
    }
    if (header.offset < 0 || header.offset + header.rows > this.array.length) {
      throw new RangeError(`column ${header.name}: chunk ${header.chunk} is outside its rows`);
    }
    // Copy into an aligned array of the wire dtype (chunk buffers may start anywhere).
    const ctor = RAW[header.dtype];
    const codes = new ctor(header.rows);
    new Uint8Array(codes.buffer).set(bytes);
    if (header.encoding === "linear") {
      const out = this.array as Float32Array;
      const low = header.low ?? 0;
      const steps = header.steps ?? 1;
      const step = steps > 0 ? ((header.high ?? low) - low) / steps : 0;
      const missing = item === 1 ? 255 : 65535;
      const base = header.offset;
      for (let i = 0; i < codes.length; i++) {
        const k = codes[i];
        out[base + i] = k === missing ? NaN : low + k * step;
      }
    } else {
      this.array.set(codes, header.offset);
    }
    this.seen.add(header.chunk);
  }
}
