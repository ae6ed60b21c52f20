// Decompression for the messages kleak reads back (shutdown-check): kafkajs speaks gzip only, and
// franz-go compresses with snappy by default. Pure-JS decoders (no native build): snappy through
// kafkajs-snappy (xerial framing, as Sarama and Java write it), LZ4 frames through lz4js, zstd through fzstd.
// kleak only reads: compress is never called, and says so if it were.
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

const require = createRequire(import.meta.url);

type Codec = () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };

const readOnly =
  (decompress: (buffer: Buffer) => Uint8Array): Codec =>
  () => ({
    compress: () => Promise.reject(new Error('kleak does not produce compressed messages')),
    decompress: (buffer) => Promise.resolve(Buffer.from(decompress(buffer))),
  });

let registered = false;

export function registerReadCodecs(kafkajs: typeof KafkaJs): void {
  if (registered) return;
  registered = true;
  const codecs = kafkajs.CompressionCodecs as Record<number, unknown>;
  codecs[kafkajs.CompressionTypes.Snappy] = require('kafkajs-snappy') as Codec;
  const lz4 = require('lz4js') as { decompress(input: Uint8Array): Uint8Array };
  codecs[kafkajs.CompressionTypes.LZ4] = readOnly((b) => lz4.decompress(b));
  const zstd = require('fzstd') as { decompress(input: Uint8Array): Uint8Array };
  codecs[kafkajs.CompressionTypes.ZSTD] = readOnly((b) => zstd.decompress(b));
}
