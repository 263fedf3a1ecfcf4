/**
 * Actor runtime benchmark: in-process sequential ask round trips (one ask at a time, so
 * the number is latency-bound), with p50/p99 per ask. Targets: >= 100k asks/s, p99 <= 50 us.
 * Also reports, for information, pipelined asks (64 in flight) and asks to a parent that
 * has 64 children (nact copies a parent's child map per message).
 *
 * Run: npm run bench:actors  (or npx tsx scripts/bench/actors-bench.ts [asks])
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createActorSystem, defineActor, type ActorRef } from '../../actors/index.js';

type EchoRequest = { type: 'Echo'; value: number };
interface EchoReplies {
  Echo: number;
}

const echo = (children: number) =>
  defineActor<EchoRequest, EchoReplies, undefined>({
    name: 'echo',
    initialState: (context) => {
      for (let i = 0; i < children; i++) context.spawn(echo(0), { name: `child-${i}` });
      return undefined;
    },
    receive: { Echo: (_state, message) => message.value + 1 },
  });

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function sequential(ref: ActorRef<EchoRequest, EchoReplies>, asks: number) {
  const latencies = new Float64Array(asks);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < asks; i++) {
    const t0 = performance.now();
    const reply = await ref.ask({ type: 'Echo', value: i });
    latencies[i] = performance.now() - t0;
    if (reply !== i + 1) throw new Error(`wrong reply ${reply} for ${i}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  latencies.sort();
  return {
    asksPerSecond: Math.round(asks / seconds),
    asksPerCpuSecond: Math.round(asks / ((cpu.user + cpu.system) / 1e6)),
    p50us: +(percentile(latencies, 0.5) * 1000).toFixed(2),
    p99us: +(percentile(latencies, 0.99) * 1000).toFixed(2),
    p999us: +(percentile(latencies, 0.999) * 1000).toFixed(2),
  };
}

async function pipelined(ref: ActorRef<EchoRequest, EchoReplies>, asks: number, window: number) {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < asks) {
      const value = next++;
      if ((await ref.ask({ type: 'Echo', value })) !== value + 1) throw new Error('wrong reply');
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { asksPerSecond: Math.round(asks / ((performance.now() - started) / 1000)) };
}

async function main(): Promise<void> {
  const asks = Number(process.argv[2] ?? 200_000);
  const system = createActorSystem({ logger: pino({ level: 'warn' }) });
  try {
    const leaf = system.spawn(echo(0), { name: 'leaf' });
    const parent = system.spawn(echo(64), { name: 'parent' });
    await sequential(leaf, 20_000); // warm-up (JIT)
    const results = {
      sequential: await sequential(leaf, asks),
      sequentialToParentOf64: await sequential(parent, asks),
      pipelined64: await pipelined(leaf, asks, 64),
    };
    const met = results.sequential.asksPerSecond >= 100_000 && results.sequential.p99us <= 50;
    console.log(
      JSON.stringify(
        {
          node: process.version,
          asks,
          ...results,
          loadAverage1m: os.loadavg()[0],
          target: '>= 100000 asks/s, p99 <= 50 us (sequential, wall clock)',
          targetMet: met,
        },
        null,
        2,
      ),
    );
  } finally {
    await system.stop();
  }
}

await main();
