// numpy .npy files (format versions 1.0, 2.0 and 3.0), read and written byte-compatibly with numpy.
// Format: magic "\x93NUMPY", major, minor, header length (uint16 LE in v1, uint32 LE in v2/v3), then a
// Python dict literal {'descr', 'fortran_order', 'shape'} padded with spaces to a multiple of 64 bytes and
// ending in '\n', then the raw data.
import { readFile, writeFile } from 'node:fs/promises';

export type NdDtype =
  | 'float32'
  | 'float64'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'int64'
  | 'uint64'
  | 'bool';
export type NdData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array;
/** An n-dimensional array in C (row-major) order; bool is stored as a Uint8Array of 0/1. */
export interface NdArray {
  dtype: NdDtype;
  shape: number[];
  data: NdData;
}

interface DtypeInfo {
  /** numpy kind character and item size, e.g. 'f' 4. */
  kind: string;
  size: number;
  ctor: { new (buffer: ArrayBuffer): NdData; new (length: number): NdData; name: string };
}

const DTYPES: Record<NdDtype, DtypeInfo> = {
  float32: { kind: 'f', size: 4, ctor: Float32Array },
  float64: { kind: 'f', size: 8, ctor: Float64Array },
  uint8: { kind: 'u', size: 1, ctor: Uint8Array },
  int8: { kind: 'i', size: 1, ctor: Int8Array },
  uint16: { kind: 'u', size: 2, ctor: Uint16Array },
  int16: { kind: 'i', size: 2, ctor: Int16Array },
  uint32: { kind: 'u', size: 4, ctor: Uint32Array },
  int32: { kind: 'i', size: 4, ctor: Int32Array },
  int64: { kind: 'i', size: 8, ctor: BigInt64Array },
  uint64: { kind: 'u', size: 8, ctor: BigUint64Array },
  bool: { kind: 'b', size: 1, ctor: Uint8Array },
};

const MAGIC = '\x93NUMPY';
const ALIGN = 64;
// numpy >= 1.23 leaves room for the growing axis to reach this many digits so headers can be rewritten in place.
const GROWTH_AXIS_MAX_DIGITS = 21;
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const SUPPORTED_DESCRS = '<f4 <f8 |u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8 |b1 (and their big-endian forms)';

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: unknown, where: string): number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new Error(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

/** Builds an NdArray after checking that the typed array matches the dtype and the shape's element count. */
export function ndarray(dtype: NdDtype, shape: number[], data: NdData): NdArray {
  const info = DTYPES[dtype];
  if (!info)
    throw new Error(`ndarray: unknown dtype '${dtype}' (expected one of ${Object.keys(DTYPES).join(', ')})`);
  checkShape(shape, `ndarray(${dtype})`);
  if (!(data instanceof info.ctor)) {
    throw new Error(`ndarray(${dtype}): data is a ${data?.constructor?.name}, expected a ${info.ctor.name}`);
  }
  const count = product(shape);
  if (data.length !== count) {
    throw new Error(
      `ndarray(${dtype}): data has ${data.length} elements, shape (${shape.join(', ')}) needs ${count}`,
    );
  }
  return { dtype, shape: [...shape], data };
}

// ---------------------------------------------------------------------------------------------
// The header: a Python dict literal

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Parses the subset of Python literals numpy headers use: dicts, tuples, lists, str, int, True/False/None. */
function parsePyLiteral(text: string, where: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(
      `${where}: cannot parse the header dict at character ${i} (${what}): ${JSON.stringify(text)}`,
    );
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PyValue => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const dict: { [key: string]: PyValue } = {};
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return dict;
        }
        const key = value();
        if (typeof key !== 'string') fail('dict key is not a string');
        skip();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        dict[key as string] = value();
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(i));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    if (m[2] === 'True') return true;
    if (m[2] === 'False') return false;
    if (m[2] === 'None') return null;
    return Number(m[1]);
  };
  const result = value();
  skip();
  if (i !== text.length) fail('trailing characters');
  return result;
}

interface Descr {
  dtype: NdDtype;
  littleEndian: boolean;
}

function unsupportedDescr(descr: string, where: string, why: string): Error {
  return new Error(`${where}: unsupported dtype descr '${descr}' (${why}); supported: ${SUPPORTED_DESCRS}`);
}

function parseDescr(descr: PyValue, where: string): Descr {
  if (typeof descr !== 'string') {
    throw new Error(
      `${where}: unsupported dtype descr ${JSON.stringify(descr)} (structured arrays with named fields are not supported); supported: ${SUPPORTED_DESCRS}`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/.exec(descr);
  if (!m) throw unsupportedDescr(descr, where, 'not a numpy type string');
  const [, order, kind, sizeText, rest] = m;
  const size = Number(sizeText);
  const reasons: Record<string, string> = {
    O: 'object arrays hold pickled Python objects',
    U: 'unicode strings',
    S: 'byte strings',
    a: 'byte strings',
    V: 'void / structured records',
    c: 'complex numbers',
    M: 'datetimes',
    m: 'timedeltas',
  };
  if (reasons[kind]) throw unsupportedDescr(descr, where, reasons[kind]);
  const found = (Object.keys(DTYPES) as NdDtype[]).find(
    (d) => DTYPES[d].kind === kind && DTYPES[d].size === size,
  );
  if (!found || rest !== '') throw unsupportedDescr(descr, where, 'no matching dtype');
  const littleEndian = order === '>' ? false : order === '=' ? HOST_LITTLE_ENDIAN : true;
  return { dtype: found, littleEndian };
}

// ---------------------------------------------------------------------------------------------
// Parsing

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Reorders Fortran-order (column-major) data into C order. */
function fortranToC<T extends NdData>(data: T, shape: readonly number[], ctor: DtypeInfo['ctor']): T {
  const n = data.length;
  const ndim = shape.length;
  if (ndim < 2 || n === 0) return data;
  const fStride = new Array<number>(ndim);
  fStride[0] = 1;
  for (let k = 1; k < ndim; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
  const out = new ctor(n) as T;
  const index = new Array<number>(ndim).fill(0);
  let src = 0;
  for (let dst = 0; dst < n; dst++) {
    out[dst] = data[src];
    // Advance the C-order multi-index (last axis fastest), keeping the Fortran offset in step.
    for (let k = ndim - 1; k >= 0; k--) {
      index[k]++;
      src += fStride[k];
      if (index[k] < shape[k]) break;
      src -= fStride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** Parses the bytes of a .npy file; `source` (a file name) is quoted in every error. */
export function parseNpy(bytes: Uint8Array, source = '<npy bytes>'): NdArray {
  const where = source;
  if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(0, 6)) !== MAGIC) {
    throw new Error(`${where}: not a .npy file (expected the magic string \\x93NUMPY at byte 0)`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${where}: .npy v${major}.${minor} header is truncated`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`${where}: unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) {
    throw new Error(
      `${where}: .npy header claims ${headerLength} bytes but the file has only ${bytes.length} bytes`,
    );
  }
  const headerBytes = bytes.subarray(headerStart, dataOffset);
  // v1/v2 headers are latin1, v3 is utf8.
  const headerText = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);
  const header = parsePyLiteral(headerText.trim(), where);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${where}: .npy header is not a dict: ${JSON.stringify(headerText)}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in header))
      throw new Error(`${where}: .npy header has no '${key}' key: ${JSON.stringify(headerText)}`);
  }
  const { dtype, littleEndian } = parseDescr(header.descr, where);
  const fortranOrder = header.fortran_order;
  if (typeof fortranOrder !== 'boolean') {
    throw new Error(`${where}: .npy header field 'fortran_order' must be True or False, got ${fortranOrder}`);
  }
  const shape = checkShape(header.shape, `${where}: .npy header field 'shape'`);
  const info = DTYPES[dtype];
  const count = product(shape);
  const byteCount = count * info.size;
  if (bytes.length - dataOffset < byteCount) {
    throw new Error(
      `${where}: .npy data is truncated: shape (${shape.join(', ')}) of ${dtype} needs ${byteCount} bytes after the header at byte ${dataOffset}, found ${bytes.length - dataOffset}`,
    );
  }
  // Always copy into a fresh buffer: the data offset need not be aligned for the typed array, callers own the
  // result, and `bytes.slice` would not do (on a Node Buffer it returns a view of the whole file).
  const copy = new Uint8Array(byteCount);
  copy.set(bytes.subarray(dataOffset, dataOffset + byteCount));
  if (info.size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(copy, info.size);
  let data = new info.ctor(copy.buffer);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) data[i] = 1;
  }
  if (fortranOrder) data = fortranToC(data, shape, info.ctor);
  return { dtype, shape, data };
}

// ---------------------------------------------------------------------------------------------
// Encoding

function descrOf(dtype: NdDtype): string {
  const info = DTYPES[dtype];
  return `${info.size === 1 ? '|' : '<'}${info.kind}${info.size}`;
}

function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Encodes as numpy's `np.save` does (little-endian, C order, version 1.0 unless the header is too long). */
export function encodeNpy(array: NdArray): Uint8Array {
  const { dtype, shape, data } = ndarray(array.dtype, array.shape, array.data);
  let dict = `{'descr': '${descrOf(dtype)}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  let version = 1;
  let prefixLength = MAGIC.length + 2 + 2;
  let headerLength = dict.length + 1;
  let pad = ALIGN - ((prefixLength + headerLength) % ALIGN);
  if (headerLength + pad > 0xffff) {
    version = 2;
    prefixLength = MAGIC.length + 2 + 4;
    pad = ALIGN - ((prefixLength + headerLength) % ALIGN);
  }
  headerLength += pad;
  const info = DTYPES[dtype];
  const out = new Uint8Array(prefixLength + headerLength + data.length * info.size);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const header = `${dict}${' '.repeat(pad)}\n`;
  for (let i = 0; i < header.length; i++) out[prefixLength + i] = header.charCodeAt(i);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const start = prefixLength + headerLength;
  out.set(body, start);
  if (info.size > 1 && !HOST_LITTLE_ENDIAN) swapBytes(out.subarray(start), info.size);
  if (dtype === 'bool') {
    for (let i = start; i < out.length; i++) if (out[i] !== 0) out[i] = 1;
  }
  return out;
}

export async function readNpy(path: string): Promise<NdArray> {
  const buffer = await readFile(path);
  return parseNpy(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

export async function writeNpy(path: string, array: NdArray): Promise<void> {
  await writeFile(path, encodeNpy(array));
}

/** The values as doubles, whatever the numeric dtype (int64/uint64 through Number, bool as 0/1). */
export function toFloat64Array(array: NdArray): Float64Array {
  const { data } = array;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  return Float64Array.from(data);
}
