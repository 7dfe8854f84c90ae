import type { Socket } from 'node:net';
import type { AmqpConnectionManager } from 'amqp-connection-manager';

/**
 * Gathers what a process writes to the broker in one turn of the event loop into one socket
 * write: an RPC reply and the ack of its request, the requests of many HTTP calls handled at
 * once, a batch's acks. Nagle is off (AMQP_SOCKET_OPTIONS), so otherwise every frame amqplib
 * writes is a system call and a TCP segment of its own — a fifth of a busy service's time. The
 * socket is corked at the first write of a turn and uncorked when the turn's I/O is done.
 */
export function coalesceBrokerWrites(manager: AmqpConnectionManager): void {
  manager.on('connect', ({ connection }) => {
    // amqplib keeps the socket as `connection.stream` of the model it hands out.
    const socket = (connection as unknown as { connection?: { stream?: Socket } }).connection
      ?.stream;
    if (!socket || typeof socket.cork !== 'function') return;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      socket.uncork();
    };
    socket.write = (...args: unknown[]): boolean => {
      if (!corked) {
        corked = true;
        socket.cork();
        setImmediate(uncork);
      }
      return write(...args);
    };
  });
}
