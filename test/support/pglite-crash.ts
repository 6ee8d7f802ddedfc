import * as net from 'node:net';
import * as path from 'node:path';

/**
 * A StartupMessage whose parameter list lacks its final terminator: PGlite answers FATAL "invalid startup packet
 * layout" and its WebAssembly backend exits ("Program terminated with exit(1)"), a real internal failure reachable
 * by any process that can open the socket. Before the host handled it, every later connection hung forever.
 */
export function crashingStartupPacket(): Buffer {
  const params = Buffer.from('user\0postgres', 'latin1');
  const packet = Buffer.alloc(8 + params.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(196608, 4); // protocol 3.0
  params.copy(packet, 8);
  return packet;
}

/** Sends the crashing packet on a connection of its own and resolves once PGlite has dropped that connection. */
export function crashPglite(connection: { readonly host: string; readonly port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path.join(connection.host, `.s.PGSQL.${connection.port}`), () =>
      socket.write(crashingStartupPacket()),
    );
    socket.on('data', () => undefined);
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}
