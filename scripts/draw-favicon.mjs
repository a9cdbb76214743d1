// Draws public/favicon.ico (16 and 32 px) from the same geometry as public/favicon.svg: a blue rounded square with
// a white track that splits in two, a switchyard's points. Run `node scripts/draw-favicon.mjs` after changing it.
import fs from "node:fs";

const BLUE = [0x25, 0x63, 0xeb];
const WHITE = [0xff, 0xff, 0xff];
// In a 32-unit box, as the SVG: the stem and the two branches (stroke width 4, round caps).
const SEGMENTS = [
  [16, 27, 16, 17],
  [16, 17, 9, 6],
  [16, 17, 23, 6],
];
const STROKE = 2;
const RADIUS = 6;

function distanceToSegment(px, py, [x1, y1, x2, y2]) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

function insideRoundedSquare(x, y) {
  const cx = Math.min(Math.max(x, RADIUS), 32 - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), 32 - RADIUS);
  return Math.hypot(x - cx, y - cy) <= RADIUS;
}

/** BGRA rows, bottom-up, 4x4 supersampled. */
function draw(size) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      let square = 0;
      let line = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = ((col + (sx + 0.5) / n) * 32) / size;
          const y = ((row + (sy + 0.5) / n) * 32) / size;
          if (!insideRoundedSquare(x, y)) continue;
          square++;
          if (SEGMENTS.some((s) => distanceToSegment(x, y, s) <= STROKE)) line++;
        }
      }
      const alpha = square / (n * n);
      const white = square > 0 ? line / square : 0;
      const rgb = BLUE.map((b, i) => Math.round(b + (WHITE[i] - b) * white));
      const offset = ((size - 1 - row) * size + col) * 4;
      pixels[offset] = rgb[2];
      pixels[offset + 1] = rgb[1];
      pixels[offset + 2] = rgb[0];
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // colour bitmap + AND mask
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  header.writeUInt32LE(pixels.length, 20);
  const mask = Buffer.alloc(Math.ceil(size / 32) * 4 * size); // all zero: alpha decides
  return Buffer.concat([header, pixels, mask]);
}

const images = [16, 32].map((size) => ({ size, data: draw(size) }));
const dir = Buffer.alloc(6 + 16 * images.length);
dir.writeUInt16LE(0, 0);
dir.writeUInt16LE(1, 2);
dir.writeUInt16LE(images.length, 4);
let offset = dir.length;
images.forEach(({ size, data }, i) => {
  const entry = 6 + 16 * i;
  dir.writeUInt8(size, entry);
  dir.writeUInt8(size, entry + 1);
  dir.writeUInt16LE(1, entry + 4);
  dir.writeUInt16LE(32, entry + 6);
  dir.writeUInt32LE(data.length, entry + 8);
  dir.writeUInt32LE(offset, entry + 12);
  offset += data.length;
});
fs.writeFileSync(new URL("../public/favicon.ico", import.meta.url), Buffer.concat([dir, ...images.map((i) => i.data)]));
