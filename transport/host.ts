/**
 * Builds the libp2p host of a transport node: TCP (nodelay) + Noise + Yamux, optional QUIC,
 * optional pnet protection, Identify, Ping and a Kad-DHT configured for a closed network.
 * Only configuration lives here; behaviour lives in transport-node.ts.
 * @module
 */
import './polyfills.js';
import { noise } from '@chainsafe/libp2p-noise';
import { quic } from '@chainsafe/libp2p-quic';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht';
import { ping, type Ping } from '@libp2p/ping';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import type { Identify } from '@libp2p/identify';
import { createLibp2p, type Libp2p } from 'libp2p';
import { NODE_RECORD_NAMESPACE, selectNodeRecord, validateNodeRecord } from './node-record.js';

/** The services every CameoDB host runs (a type alias: libp2p's ServiceMap needs an index signature). */
export type HostServices = {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
};

/** A CameoDB libp2p host. */
export type Host = Libp2p<HostServices>;

/** Resolved settings of a host. */
export interface HostSettings {
  readonly privateKey: PrivateKey;
  readonly host: string;
  readonly port: number;
  readonly quic: boolean;
  readonly psk: Uint8Array | undefined;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly quicMaxIdleTimeoutMs: number;
  readonly quicKeepAliveMs: number;
}

/** The Kad-DHT protocol id: our own, so CameoDB nodes never mix with a public DHT. */
export const DHT_PROTOCOL = '/cameodb/kad/1.0.0';

function ipFamily(host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4';
}

/** Creates (does not start) the libp2p host. */
export async function createHost(settings: HostSettings): Promise<Host> {
  const family = ipFamily(settings.host);
  const listen = [`/${family}/${settings.host}/tcp/${settings.port}`];
  if (settings.quic) listen.push(`/${family}/${settings.host}/udp/${settings.port}/quic-v1`);
  return createLibp2p<HostServices>({
    privateKey: settings.privateKey,
    start: false,
    addresses: { listen },
    transports: [
      tcp({ dialOpts: { noDelay: true }, listenOpts: { noDelay: true } }),
      ...(settings.quic
        ? [
            quic({
              maxIdleTimeout: settings.quicMaxIdleTimeoutMs,
              keepAliveInterval: settings.quicKeepAliveMs,
            }),
          ]
        : []),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(settings.psk === undefined ? {} : { connectionProtector: preSharedKey({ psk: settings.psk }) }),
    connectionManager: {
      // Local meshes open many connections at once; the default rate limit would refuse them.
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128'],
    },
    connectionMonitor: {
      enabled: true,
      pingInterval: settings.pingIntervalMs,
      pingTimeout: { minTimeout: settings.pingTimeoutMs, maxTimeout: settings.pingTimeoutMs },
      abortConnectionOnPingFailure: true,
    },
    services: {
      identify: identify(),
      // The connection monitor pings through this service; with the default limit of one
      // outbound ping stream, a ping still closing when the next heartbeat starts (a busy
      // machine) fails with TooManyOutboundProtocolStreams and the monitor aborts a healthy
      // connection. Allow a few.
      ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 8 }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        // A closed cluster lives on private addresses; the default mapper would drop them all.
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true,
        validators: { [NODE_RECORD_NAMESPACE]: validateNodeRecord },
        selectors: { [NODE_RECORD_NAMESPACE]: selectNodeRecord },
      }),
    },
  });
}
