// libp2p 3 calls Promise.withResolvers (Node 22+); jest does not see --import preloads.
import '../../transport/polyfills.js';
