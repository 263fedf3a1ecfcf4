/**
 * Codec benchmark: encodeMessage + decodeMessage round trips per second of a typical
 * ~1 KB WriteRequest (a document of mixed fields). Target: >= 300k round trips/s.
 *
 * Run: npm run bench:codec  (or npx tsx scripts/bench/codec-bench.ts [iterations])
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { decodeMessage, encodeMessage, type WriteRequest } from '../../messages/index.js';

function typicalWriteRequest(i: number): WriteRequest {
  return {
    type: 'WriteRequest',
    index: 'products',
    id: `sku-${100000 + i}`,
    requestId: `req-${i}`,
    doc: {
      title: 'Stainless steel espresso machine with milk frother, 15 bar pump',
      description:
        'A compact espresso machine for the home barista. The 15 bar pump extracts a rich crema, the steam ' +
        'wand froths milk for cappuccino and latte, and the removable 1.5 litre tank makes refilling easy. ' +
        'Brushed stainless steel housing, cup warmer on top, drip tray safe for the dishwasher. Ships with ' +
        'a tamper, a single and a double filter basket, a descaling guide and a two year warranty.',
      category: ['home', 'kitchen', 'coffee-machines'],
      energyClass: 'A',
      brand: 'Caffeo',
      price: 249.99,
      currency: 'EUR',
      stock: 42,
      rating: 4.6,
      reviews: 1287,
      available: true,
      releasedAt: '2025-03-14T09:30:00Z',
      tags: ['kitchen', 'coffee', 'espresso', 'appliance', 'stainless-steel'],
      dimensions: { widthCm: 28.5, depthCm: 31, heightCm: 36.2, weightKg: 6.4 },
      variants: [
        { color: 'silver', sku: 'sku-1-s', stock: 20 },
        { color: 'black', sku: 'sku-1-b', stock: 22 },
      ],
      seller: { id: 'seller-881', name: 'Kitchen Outlet Europe', country: 'DE' },
    },
  };
}

/** Round trips per second of wall time, and per second of this process's CPU time. */
function run(iterations: number, messages: WriteRequest[]): { wall: number; cpu: number } {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let checksum = 0;
  for (let i = 0; i < iterations; i++) {
    const message = messages[i % messages.length] as WriteRequest;
    const decoded = decodeMessage<WriteRequest>(encodeMessage(message));
    checksum += decoded.id.length;
  }
  if (checksum === 0) throw new Error('nothing decoded');
  const cpu = process.cpuUsage(cpuStarted);
  return {
    wall: Math.round(iterations / ((performance.now() - started) / 1000)),
    cpu: Math.round(iterations / ((cpu.user + cpu.system) / 1e6)),
  };
}

const iterations = Number(process.argv[2] ?? 300_000);
const messages = Array.from({ length: 64 }, (_, i) => typicalWriteRequest(i));
const frameBytes = encodeMessage(messages[0] as WriteRequest).length;
run(30_000, messages); // warm-up (JIT)
const roundTrips = run(iterations, messages);
const encodeStarted = performance.now();
for (let i = 0; i < iterations; i++) encodeMessage(messages[i % messages.length] as WriteRequest);
const encodesPerSecond = Math.round(iterations / ((performance.now() - encodeStarted) / 1000));
console.log(
  JSON.stringify(
    {
      node: process.version,
      iterations,
      frameBytes,
      roundTripsPerSecond: roundTrips.wall,
      roundTripsPerCpuSecond: roundTrips.cpu,
      encodesPerSecond,
      loadAverage1m: os.loadavg()[0],
      target: '>= 300000 encode+decode/s (wall clock)',
      targetMet: roundTrips.wall >= 300_000,
    },
    null,
    2,
  ),
);
