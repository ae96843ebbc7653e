/**
 * A minimal PNG reader for screenshots (8-bit RGB/RGBA, not interlaced, as
 * Chromium writes them): enough to count pixels of a colour.
 */
import { inflateSync } from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** bytes per pixel (3 or 4) */
  readonly bpp: number;
  readonly data: Buffer;
}

export function readPng(buf: Buffer): Image {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0, height = 0, bpp = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8], color = body[9], interlace = body[12];
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) throw new Error(`unsupported PNG (depth ${depth}, colour ${color})`);
      bpp = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : undefined;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[i - bpp]! : 0;
      const b = prev ? prev[i]! : 0;
      const c = prev && i >= bpp ? prev[i - bpp]! : 0;
      let x = line[i]!;
      if (filter === 1) x += a;
      else if (filter === 2) x += b;
      else if (filter === 3) x += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        x += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = x & 0xff;
    }
  }
  return { width, height, bpp, data };
}

/** How many pixels have exactly this colour (`#rrggbb`). */
export function countColour(img: Image, hex: string): number {
  const r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
  let n = 0;
  for (let i = 0; i < img.data.length; i += img.bpp) {
    if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) n++;
  }
  return n;
}

/** A run of pixel lines, top to bottom inclusive. */
export interface Band { readonly top: number; readonly bottom: number }

/**
 * The horizontal bands of a colour: runs of lines holding at least
 * `minPerLine` pixels of it (a table row spans the page; a legend cell is
 * only a few pixels wide, so it makes no band).
 */
export function colourBands(img: Image, hex: string, minPerLine: number): Band[] {
  const r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
  const bands: Band[] = [];
  let top = -1;
  for (let y = 0; y <= img.height; y++) {
    let n = 0;
    if (y < img.height) {
      const row = y * img.width * img.bpp;
      for (let x = 0; x < img.width; x++) {
        const i = row + x * img.bpp;
        if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) n++;
      }
    }
    if (n >= minPerLine) { if (top < 0) top = y; } else if (top >= 0) { bands.push({ top, bottom: y - 1 }); top = -1; }
  }
  return bands;
}
