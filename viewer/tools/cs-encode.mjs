#!/usr/bin/env node
// Encodes labels with Neuroglancer's own compressed_segmentation encoder (from the npm package), so tests can
// compare the Java encoder's output with it byte for byte.
//
//   node tools/cs-encode.mjs uint32|uint64 SX SY SZ CHANNELS BX BY BZ IN.raw OUT.bin
//
// IN.raw: the labels little-endian (4 or 8 bytes each), x fastest, channels outermost. OUT.bin: the chunk.
import { readFileSync, writeFileSync } from "node:fs";
import { encodeChannels as encode32 } from "neuroglancer/unstable/sliceview/compressed_segmentation/encode_uint32.js";
import { encodeChannels as encode64 } from "neuroglancer/unstable/sliceview/compressed_segmentation/encode_uint64.js";
import { TypedArrayBuilder } from "neuroglancer/unstable/util/array.js";

const [type, sx, sy, sz, channels, bx, by, bz, input, output] = process.argv.slice(2);
if (!output || (type !== "uint32" && type !== "uint64")) {
  console.error("usage: cs-encode.mjs uint32|uint64 SX SY SZ CHANNELS BX BY BZ IN.raw OUT.bin");
  process.exit(2);
}
const bytes = readFileSync(input);
const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const data = type === "uint32" ? new Uint32Array(buf) : new BigUint64Array(buf);
const out = new TypedArrayBuilder(Uint32Array, 1024);
(type === "uint32" ? encode32 : encode64)(out, [+bx, +by, +bz], data, [+sx, +sy, +sz, +channels]);
writeFileSync(output, new Uint8Array(out.view.buffer, out.view.byteOffset, out.view.byteLength));
