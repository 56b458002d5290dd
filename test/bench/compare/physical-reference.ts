// What the disk under the bench directory allows, measured in the same run as the systems:
// durable appends (write + fdatasync, the file growing), durable overwrites of a pre-written
// file (no size change for fdatasync to commit), and sequential write bandwidth.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface PhysicalReference {
  appendSyncsPerSec: number;
  overwriteSyncsPerSec: number;
  sequentialMBps: number;
}

const RECORD_BYTES = 160;

function syncLoop(path: string, prewrite: number, ms: number): number {
  const fd = openSync(path, 'w+');
  if (prewrite > 0) {
    const zeros = Buffer.alloc(1 << 20);
    for (let at = 0; at < prewrite; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
    fdatasyncSync(fd);
  }
  const bytes = Buffer.alloc(RECORD_BYTES, 7);
  let n = 0;
  const began = performance.now();
  while (performance.now() - began < ms) {
    writeSync(fd, bytes, 0, bytes.length, n * RECORD_BYTES);
    fdatasyncSync(fd);
    n++;
  }
  const rate = n / ((performance.now() - began) / 1000);
  closeSync(fd);
  rmSync(path);
  return rate;
}

function sequential(path: string, totalBytes: number): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  const began = performance.now();
  for (let at = 0; at < totalBytes; at += chunk.length) writeSync(fd, chunk);
  fdatasyncSync(fd);
  const seconds = (performance.now() - began) / 1000;
  closeSync(fd);
  rmSync(path);
  return totalBytes / 1e6 / seconds;
}

export function measurePhysical(dir: string): PhysicalReference {
  return {
    appendSyncsPerSec: syncLoop(join(dir, 'append.bin'), 0, 2000),
    overwriteSyncsPerSec: syncLoop(join(dir, 'overwrite.bin'), 64 << 20, 2000),
    sequentialMBps: sequential(join(dir, 'sequential.bin'), 512 << 20),
  };
}
