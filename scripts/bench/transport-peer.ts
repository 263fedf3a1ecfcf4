/**
 * The server side of the transport benchmark, run as its own process: a transport node
 * whose `coordinator-bench` actor answers GetKnownPeers with one peer entry (a realistic
 * small coordinator reply). Prints `{ peerId, multiaddrs }` once listening; exits when its
 * stdin closes.
 * Usage: node --import tsx scripts/bench/transport-peer.ts '{"dataDir": "...", "quic": true}'
 * @module
 */
import { pino } from 'pino';
import type { ActorRef } from '../../actors/index.js';
import type { CoordinatorReplies, CoordinatorRequest, KnownPeers } from '../../messages/index.js';
import { ValidationError } from '../../messages/index.js';
import { createTransportNode } from '../../transport/index.js';

const config = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; quic?: boolean };

const reply: KnownPeers = {
  type: 'KnownPeers',
  peers: [
    {
      nodeId: 'bench-server',
      peerId: '12D3KooWBenchBenchBenchBenchBenchBenchBenchBenchBench',
      addresses: ['/ip4/127.0.0.1/tcp/9580'],
      shards: [0, 1, 2, 3],
      healthy: true,
      lastSeenMs: 0,
    },
  ],
};

const coordinator: ActorRef<CoordinatorRequest, CoordinatorReplies> = {
  name: 'coordinator-bench',
  tell: () => undefined,
  ask: (message) =>
    message.type === 'GetKnownPeers'
      ? Promise.resolve(reply as never)
      : Promise.reject(new ValidationError(`bench actor does not handle ${message.type}`)),
};

const node = await createTransportNode({
  dataDir: config.dataDir,
  nodeId: 'bench-server',
  host: '127.0.0.1',
  port: 0,
  quic: config.quic ?? false,
  resolveActor: (name) => (name === coordinator.name ? coordinator : undefined),
  logger: pino({ level: 'warn' }, pino.destination(2)),
});
await node.start();
process.stdout.write(`${JSON.stringify({ peerId: node.peerId, multiaddrs: node.multiaddrs() })}\n`);
const shutdown = (): void => {
  node.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.stdin.on('end', shutdown);
process.stdin.resume();
