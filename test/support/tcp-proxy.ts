/**
 * A loopback TCP proxy that can go silent: `silence()` stops forwarding in both directions
 * without closing anything (no FIN, no RST), as a network link that drops everything does;
 * the bytes wait in the sockets until `resume()`. Clients see neither an error nor an answer.
 * It can also lose one answer and drop the connection (`loseReply`), as a link that breaks
 * after the server acted, and hold answers back (`delayReplies`), as a paused client would
 * read them late.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` (the target's scheme). */
  url: string;
  silence(): void;
  resume(): void;
  /** The next answer `matches` accepts is never delivered: the connection is cut instead. */
  loseReply(matches: (chunk: Buffer) => boolean): void;
  /** Answers reach the client `ms` later (0: at once again). */
  delayReplies(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { protocol, hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let silent = false;
  let loseMatching: ((chunk: Buffer) => boolean) | undefined;
  let delayMs = 0;

  const deliverReply = (chunk: Buffer, from: Socket, to: Socket): boolean => {
    if (loseMatching?.(chunk)) {
      loseMatching = undefined;
      from.destroy();
      to.destroy();
      return false;
    }
    if (delayMs > 0) {
      setTimeout(() => to.writable && to.write(chunk), delayMs);
      return false;
    }
    return true;
  };

  // Data flows only while the link is up and the other side keeps up.
  const forward = (from: Socket, to: Socket, isReply: boolean) => {
    from.on('data', (chunk: Buffer) => {
      if (isReply && !deliverReply(chunk, from, to)) {
        return;
      }
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!silent) {
            from.resume();
          }
        });
      }
    });
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (silent) {
      socket.pause();
    }
  };

  const server = createServer((client) => {
    const upstream = connect(Number(port || 6379), hostname);
    track(client);
    track(upstream);
    forward(client, upstream, false);
    forward(upstream, client, true);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `${protocol}//127.0.0.1:${address.port}`,
    silence() {
      silent = true;
      for (const socket of sockets) {
        socket.pause();
      }
    },
    resume() {
      silent = false;
      for (const socket of sockets) {
        socket.resume();
      }
    },
    loseReply(matches) {
      loseMatching = matches;
    },
    delayReplies(ms) {
      delayMs = ms;
    },
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
