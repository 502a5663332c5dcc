// PLY (Stanford polygon file format): generic element/property parsing for ascii and binary files, and
// point clouds (x, y, z with optional colour) on top of it.
import { readFile, writeFile } from 'node:fs/promises';

export interface PlyProperty {
  name: string;
  /** Scalar type as written in the header (e.g. 'float', 'uchar', 'float32'), or 'list' for list properties. */
  type: string;
  /** For list properties: the type of the item count and of the items. */
  countType?: string;
  itemType?: string;
}
export interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
  /** One column per non-list property; list properties are parsed past but not kept. */
  columns: Record<string, Float64Array>;
}
export type PlyFormat = 'ascii' | 'binary_little_endian' | 'binary_big_endian';
export interface PlyFile {
  format: PlyFormat;
  comments: string[];
  elements: PlyElement[];
}
export interface PointCloud {
  count: number;
  /** 3N world coordinates in metres. */
  positions: Float32Array;
  /** 3N RGB, 0..255. */
  colors?: Uint8Array;
}
export interface PointCloudPlyOptions {
  format?: 'binary_little_endian' | 'ascii';
  /** Write x, y, z as double instead of float. */
  double?: boolean;
}

interface ScalarType {
  size: number;
  read: (view: DataView, offset: number, littleEndian: boolean) => number;
  integer: boolean;
}

const SCALARS: Record<string, ScalarType> = {};
function defineScalar(names: string[], size: number, integer: boolean, read: ScalarType['read']): void {
  for (const n of names) SCALARS[n] = { size, read, integer };
}
defineScalar(['char', 'int8'], 1, true, (v, o) => v.getInt8(o));
defineScalar(['uchar', 'uint8'], 1, true, (v, o) => v.getUint8(o));
defineScalar(['short', 'int16'], 2, true, (v, o, le) => v.getInt16(o, le));
defineScalar(['ushort', 'uint16'], 2, true, (v, o, le) => v.getUint16(o, le));
defineScalar(['int', 'int32'], 4, true, (v, o, le) => v.getInt32(o, le));
defineScalar(['uint', 'uint32'], 4, true, (v, o, le) => v.getUint32(o, le));
defineScalar(['float', 'float32'], 4, false, (v, o, le) => v.getFloat32(o, le));
defineScalar(['double', 'float64'], 8, false, (v, o, le) => v.getFloat64(o, le));

/** The size in bytes of a PLY scalar type name, or undefined if it is not one. */
export function plyScalarSize(type: string): number | undefined {
  return SCALARS[type]?.size;
}

// ---------------------------------------------------------------------------------------------
// Header

export interface PlyElementHeader {
  name: string;
  count: number;
  properties: PlyProperty[];
}
export interface PlyHeader {
  format: PlyFormat;
  comments: string[];
  elements: PlyElementHeader[];
  /** Byte offset of the body (just past the newline after `end_header`). */
  bodyOffset: number;
}

function findEndHeader(bytes: Uint8Array): number {
  const needle = 'end_header';
  const limit = Math.min(bytes.length, 1 << 20); // headers are small; don't scan a whole body
  outer: for (let i = 1; i + needle.length <= limit; i++) {
    if (bytes[i - 1] !== 0x0a) continue; // only at the start of a line, not inside a comment
    for (let k = 0; k < needle.length; k++) if (bytes[i + k] !== needle.charCodeAt(k)) continue outer;
    let end = i + needle.length;
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] !== 0x0a && end < bytes.length) continue;
    return Math.min(end + 1, bytes.length);
  }
  return -1;
}

export function parsePlyHeader(bytes: Uint8Array, source = '<ply bytes>'): PlyHeader {
  if (
    bytes.length < 4 ||
    String.fromCharCode(...bytes.subarray(0, 3)) !== 'ply' ||
    (bytes[3] !== 0x0a && bytes[3] !== 0x0d)
  ) {
    throw new Error(`${source}: not a PLY file (expected 'ply' on the first line)`);
  }
  const bodyOffset = findEndHeader(bytes);
  if (bodyOffset < 0) throw new Error(`${source}: PLY header has no 'end_header' line`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, bodyOffset));
  const lines = text.split(/\r?\n/);
  let format: PlyFormat | undefined;
  const comments: string[] = [];
  const elements: PlyElementHeader[] = [];
  for (let lineNo = 1; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    const words = line.trim().split(/\s+/);
    const bad = (what: string): never => {
      throw new Error(`${source}: PLY header line ${lineNo + 1} ${JSON.stringify(line)}: ${what}`);
    };
    switch (words[0]) {
      case 'format':
        if (words[1] !== 'ascii' && words[1] !== 'binary_little_endian' && words[1] !== 'binary_big_endian') {
          bad('expected format ascii, binary_little_endian or binary_big_endian');
        }
        format = words[1] as PlyFormat;
        break;
      case 'comment':
        comments.push(line.replace(/^\s*comment\s?/, ''));
        break;
      case 'obj_info':
      case '':
        break;
      case 'element': {
        const count = Number(words[2]);
        if (words.length !== 3 || !Number.isSafeInteger(count) || count < 0)
          bad('expected "element <name> <count>"');
        elements.push({ name: words[1], count, properties: [] });
        break;
      }
      case 'property': {
        const element = elements[elements.length - 1] ?? bad('property before any element');
        if (words[1] === 'list') {
          if (words.length !== 5 || !SCALARS[words[2]] || !SCALARS[words[3]] || !SCALARS[words[2]].integer) {
            bad('expected "property list <integer count type> <item type> <name>"');
          }
          element.properties.push({ name: words[4], type: 'list', countType: words[2], itemType: words[3] });
        } else {
          if (words.length !== 3) bad('expected "property <type> <name>"');
          if (!SCALARS[words[1]]) {
            bad(
              `unknown type '${words[1]}' (expected char, uchar, short, ushort, int, uint, float, double or int8..float64)`,
            );
          }
          if (element.properties.some((p) => p.name === words[2])) bad(`duplicate property '${words[2]}'`);
          element.properties.push({ name: words[2], type: words[1] });
        }
        break;
      }
      case 'end_header':
        break;
      default:
        bad(`unknown keyword '${words[0]}'`);
    }
  }
  if (!format) throw new Error(`${source}: PLY header has no 'format' line`);
  return { format, comments, elements, bodyOffset };
}

// ---------------------------------------------------------------------------------------------
// Body

type Column = Float32Array | Float64Array;

/**
 * Parses header and body, storing each non-list property in a column made by `makeColumn` (Float64Array
 * for the generic reader, Float32Array where memory matters, e.g. Gaussian clouds).
 */
export function decodePly<C extends Column>(
  bytes: Uint8Array,
  source: string,
  makeColumn: (length: number) => C,
): { header: PlyHeader; columns: Record<string, C>[] } {
  const header = parsePlyHeader(bytes, source);
  const columns = header.elements.map((el) => {
    const cols: Record<string, C> = {};
    for (const p of el.properties) if (p.type !== 'list') cols[p.name] = makeColumn(el.count);
    return cols;
  });
  if (header.format === 'ascii') decodeAscii(bytes, header, columns, source);
  else decodeBinary(bytes, header, columns, source);
  return { header, columns };
}

function decodeBinary(
  bytes: Uint8Array,
  header: PlyHeader,
  columns: Record<string, Column>[],
  source: string,
) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = header.format === 'binary_little_endian';
  let pos = header.bodyOffset;
  header.elements.forEach((el, e) => {
    const hasList = el.properties.some((p) => p.type === 'list');
    if (!hasList) {
      // Fixed-size rows: check the whole element at once, then read column by column.
      const stride = el.properties.reduce((n, p) => n + SCALARS[p.type].size, 0);
      const needed = stride * el.count;
      if (bytes.length - pos < needed) {
        throw new Error(
          `${source}: PLY file is truncated: element '${el.name}' needs ${el.count} rows x ${stride} bytes = ${needed} bytes from byte ${pos}, but only ${bytes.length - pos} bytes remain (expected a file of at least ${pos + needed} bytes)`,
        );
      }
      let offset = pos;
      for (const p of el.properties) {
        const { read, size } = SCALARS[p.type];
        const col = columns[e][p.name];
        for (let r = 0, o = offset; r < el.count; r++, o += stride) col[r] = read(view, o, le);
        offset += size;
      }
      pos += needed;
      return;
    }
    const need = (n: number, row: number, prop: string) => {
      if (pos + n > bytes.length) {
        throw new Error(
          `${source}: PLY file is truncated in element '${el.name}' row ${row} property '${prop}': needs ${n} bytes at byte ${pos}, file has ${bytes.length} bytes`,
        );
      }
    };
    for (let r = 0; r < el.count; r++) {
      for (const p of el.properties) {
        if (p.type === 'list') {
          const countType = SCALARS[p.countType as string];
          const itemSize = SCALARS[p.itemType as string].size;
          need(countType.size, r, p.name);
          const n = countType.read(view, pos, le);
          pos += countType.size;
          if (n < 0)
            throw new Error(
              `${source}: PLY element '${el.name}' row ${r} list '${p.name}' has negative length ${n}`,
            );
          need(n * itemSize, r, p.name);
          pos += n * itemSize;
        } else {
          const t = SCALARS[p.type];
          need(t.size, r, p.name);
          columns[e][p.name][r] = t.read(view, pos, le);
          pos += t.size;
        }
      }
    }
  });
}

function parseAsciiNumber(token: string): number {
  const lower = token.toLowerCase();
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return token === '' ? Number.NaN : Number(token);
}

function decodeAscii(
  bytes: Uint8Array,
  header: PlyHeader,
  columns: Record<string, Column>[],
  source: string,
) {
  const text = new TextDecoder('latin1').decode(bytes.subarray(header.bodyOffset));
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  let t = 0;
  header.elements.forEach((el, e) => {
    const next = (row: number, prop: string, integer: boolean): number => {
      if (t >= tokens.length) {
        throw new Error(
          `${source}: PLY ascii body is truncated: element '${el.name}' row ${row} property '${prop}' is missing (expected ${el.count} rows)`,
        );
      }
      const token = tokens[t++];
      const v = parseAsciiNumber(token);
      if ((Number.isNaN(v) && !/nan/i.test(token)) || (integer && !Number.isInteger(v))) {
        throw new Error(
          `${source}: PLY element '${el.name}' row ${row} property '${prop}': '${token}' is not ${integer ? 'an integer' : 'a number'}`,
        );
      }
      return v;
    };
    for (let r = 0; r < el.count; r++) {
      for (const p of el.properties) {
        if (p.type === 'list') {
          const n = next(r, p.name, true);
          for (let k = 0; k < n; k++) next(r, p.name, SCALARS[p.itemType as string].integer);
        } else {
          columns[e][p.name][r] = next(r, p.name, SCALARS[p.type].integer);
        }
      }
    }
  });
}

export function parsePly(bytes: Uint8Array, source = '<ply bytes>'): PlyFile {
  const { header, columns } = decodePly(bytes, source, (n) => new Float64Array(n));
  return {
    format: header.format,
    comments: header.comments,
    elements: header.elements.map((el, e) => ({ ...el, columns: columns[e] })),
  };
}

// ---------------------------------------------------------------------------------------------
// Point clouds

const COLOR_NAMES = [
  ['red', 'green', 'blue'],
  ['r', 'g', 'b'],
  ['diffuse_red', 'diffuse_green', 'diffuse_blue'],
];

function toByte(value: number, type: string): number {
  let v: number;
  if (!SCALARS[type].integer)
    v = value * 255; // float colours are 0..1
  else if (SCALARS[type].size === 2)
    v = value / 257; // 16-bit colours
  else v = value;
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** The vertex positions (x, y, z) and, when present, colours (red/green/blue, r/g/b or diffuse_*). */
export function pointCloudFromPly(ply: PlyFile, source = '<ply>'): PointCloud {
  const vertex = ply.elements.find((el) => el.name === 'vertex');
  if (!vertex)
    throw new Error(
      `${source}: PLY has no 'vertex' element (found: ${ply.elements.map((e) => e.name).join(', ') || 'none'})`,
    );
  const count = vertex.count;
  const positions = new Float32Array(3 * count);
  ['x', 'y', 'z'].forEach((axis, k) => {
    const col = vertex.columns[axis];
    if (!col)
      throw new Error(`${source}: PLY element 'vertex' has no property '${axis}' (expected x, y and z)`);
    for (let i = 0; i < count; i++) positions[3 * i + k] = col[i];
  });
  const names = COLOR_NAMES.find((ns) => ns.every((n) => vertex.columns[n]));
  if (!names) return { count, positions };
  const colors = new Uint8Array(3 * count);
  names.forEach((name, k) => {
    const col = vertex.columns[name];
    const type = (vertex.properties.find((p) => p.name === name) as PlyProperty).type;
    for (let i = 0; i < count; i++) colors[3 * i + k] = toByte(col[i], type);
  });
  return { count, positions, colors };
}

export async function readPointCloud(path: string): Promise<PointCloud> {
  const buffer = await readFile(path);
  return pointCloudFromPly(
    parsePly(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path),
    path,
  );
}

/** The shortest decimal that reads back as the same float32 (ascii PLY stays exact and readable). */
export function formatFloat32(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

function formatFloat64(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}

function checkCloud(cloud: PointCloud): void {
  if (!Number.isSafeInteger(cloud.count) || cloud.count < 0) {
    throw new Error(`point cloud: count must be a non-negative integer, got ${cloud.count}`);
  }
  if (cloud.positions.length !== 3 * cloud.count) {
    throw new Error(
      `point cloud: positions has ${cloud.positions.length} values, expected 3 x ${cloud.count}`,
    );
  }
  if (cloud.colors && cloud.colors.length !== 3 * cloud.count) {
    throw new Error(`point cloud: colors has ${cloud.colors.length} values, expected 3 x ${cloud.count}`);
  }
}

export function encodePointCloudPly(cloud: PointCloud, options: PointCloudPlyOptions = {}): Uint8Array {
  checkCloud(cloud);
  const format = options.format ?? 'binary_little_endian';
  const double = options.double ?? false;
  const posType = double ? 'double' : 'float';
  const { count, positions, colors } = cloud;
  const lines = ['ply', `format ${format} 1.0`, `element vertex ${count}`];
  for (const a of ['x', 'y', 'z']) lines.push(`property ${posType} ${a}`);
  if (colors) for (const c of ['red', 'green', 'blue']) lines.push(`property uchar ${c}`);
  lines.push('end_header', '');
  const header = new TextEncoder().encode(lines.join('\n'));
  if (format === 'ascii') {
    const fmt = double ? formatFloat64 : formatFloat32;
    const rows: string[] = [];
    for (let i = 0; i < count; i++) {
      let row = `${fmt(positions[3 * i])} ${fmt(positions[3 * i + 1])} ${fmt(positions[3 * i + 2])}`;
      if (colors) row += ` ${colors[3 * i]} ${colors[3 * i + 1]} ${colors[3 * i + 2]}`;
      rows.push(row);
    }
    const body = new TextEncoder().encode(rows.length ? `${rows.join('\n')}\n` : '');
    const out = new Uint8Array(header.length + body.length);
    out.set(header);
    out.set(body, header.length);
    return out;
  }
  if (format !== 'binary_little_endian') throw new Error(`point cloud PLY: unsupported format '${format}'`);
  const posSize = double ? 8 : 4;
  const stride = 3 * posSize + (colors ? 3 : 0);
  const out = new Uint8Array(header.length + stride * count);
  out.set(header);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    let o = header.length + i * stride;
    for (let k = 0; k < 3; k++, o += posSize) {
      if (double) view.setFloat64(o, positions[3 * i + k], true);
      else view.setFloat32(o, positions[3 * i + k], true);
    }
    if (colors) out.set(colors.subarray(3 * i, 3 * i + 3), o);
  }
  return out;
}

export async function writePointCloud(
  path: string,
  cloud: PointCloud,
  options?: PointCloudPlyOptions,
): Promise<void> {
  await writeFile(path, encodePointCloudPly(cloud, options));
}
