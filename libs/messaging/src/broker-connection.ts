import { EventEmitter } from 'node:events';
import type { ConfirmChannel, Message } from 'amqplib';
import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import type { Logger } from 'pino';
import { AMQP_SOCKET_OPTIONS, coalesceBrokerWrites } from '@kanta/platform';

export type MessagingLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface BrokerConnectionOptions {
  /** `amqp://user:pass@host:port/vhost` (InfrastructureConfig.amqpUrl). */
  url: string;
  /** Shown in the broker's connection list (`connection_name`). */
  name: string;
  logger: MessagingLogger;
  /** Dead-peer detection; a stopped broker is noticed within about two heartbeats. */
  heartbeatSeconds?: number;
  /** Pause between reconnect attempts while the broker is away. */
  reconnectSeconds?: number;
}

export interface BrokerHealth {
  status: 'up' | 'down';
}

/**
 * One connection to RabbitMQ per process, kept alive by amqp-connection-manager (it reconnects
 * with a fixed pause, forever). Channels are opened through `openChannel`, not the manager's
 * ChannelWrapper: the wrapper re-creates a channel only after a reconnect of the whole
 * connection, so a channel-level error (a bad ack, a declaration mismatch) would leave it dead
 * while the connection looks healthy; and its consumer re-subscription hides which channel a
 * delivery tag belongs to, which an ack after a long transaction must know.
 */
export class BrokerConnection {
  readonly manager: AmqpConnectionManager;
  private closed = false;

  constructor(private readonly options: BrokerConnectionOptions) {
    this.manager = connect([options.url], {
      heartbeatIntervalInSeconds: options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: options.reconnectSeconds ?? 1,
      connectionOptions: {
        ...AMQP_SOCKET_OPTIONS,
        clientProperties: { connection_name: options.name },
      },
    });
    coalesceBrokerWrites(this.manager);
    this.manager.on('connect', () => options.logger.info({ broker: 'connected' }, 'broker up'));
    this.manager.on('disconnect', ({ err }) =>
      options.logger.warn({ err: err?.message }, 'broker connection lost'),
    );
    this.manager.on('connectFailed', ({ err }) =>
      options.logger.debug({ err: err?.message }, 'broker connect attempt failed'),
    );
  }

  isConnected(): boolean {
    return !this.closed && this.manager.isConnected();
  }

  health(): BrokerHealth {
    return { status: this.isConnected() ? 'up' : 'down' };
  }

  /** Resolves on the first connection; rejects after `timeoutMs` (reconnecting goes on). */
  async waitForConnect(timeoutMs = 10_000): Promise<void> {
    // Not manager.connect(): once connected, it waits for the next 'connect', which may never come.
    if (this.manager.isConnected()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.manager.off('connect', onConnect);
        reject(new Error(`broker not connected after ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.manager.once('connect', onConnect);
    });
  }

  /**
   * A confirm channel that is (re)opened on every connect and after any channel error, running
   * `setup` each time before it is handed out.
   */
  openChannel(name: string, setup: (channel: ConfirmChannel) => Promise<void>): ManagedChannel {
    const channel = new ManagedChannel(this, name, setup, this.options.logger);
    channel.start();
    return channel;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.manager.close();
  }
}

export class ManagedChannel extends EventEmitter {
  private channel: ConfirmChannel | undefined;
  private opening = false;
  private closed = false;
  private reopenTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: BrokerConnection,
    readonly name: string,
    private readonly setup: (channel: ConfirmChannel) => Promise<void>,
    private readonly logger: MessagingLogger,
  ) {
    super();
    this.onConnect = this.onConnect.bind(this);
  }

  /** The open, set-up channel, or undefined while the broker is away. */
  get current(): ConfirmChannel | undefined {
    return this.channel;
  }

  start(): void {
    this.broker.manager.on('connect', this.onConnect);
    if (this.broker.manager.isConnected()) this.onConnect();
  }

  /** Resolves when a set-up channel is available (immediately if it is). */
  async ready(timeoutMs = 10_000): Promise<ConfirmChannel> {
    if (this.channel) return this.channel;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(new Error(`channel ${this.name} not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (channel: ConfirmChannel): void => {
        clearTimeout(timer);
        resolve(channel);
      };
      this.once('ready', onReady);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    this.broker.manager.off('connect', this.onConnect);
    const channel = this.channel;
    this.channel = undefined;
    if (channel) {
      await channel.close().catch(() => undefined);
    }
  }

  private onConnect(): void {
    void this.open();
  }

  private async open(): Promise<void> {
    const connection = this.broker.manager.connection;
    if (this.closed || this.opening || this.channel || !connection) return;
    this.opening = true;
    let channel: ConfirmChannel | undefined;
    try {
      channel = await connection.createConfirmChannel();
      const opened = channel;
      // Without an 'error' listener a channel error would be an uncaught exception.
      opened.on('error', (err: Error) =>
        this.logger.warn({ channel: this.name, err: err.message }, 'channel error'),
      );
      opened.on('close', () => this.onChannelClosed(opened));
      // A mandatory message nobody could route comes back before its confirm; the relay
      // listens for this to keep the row rather than mark it published.
      opened.on('return', (message: Message) =>
        this.emit('return', String(message.properties.messageId)),
      );
      await this.setup(opened);
      if (this.closed) {
        await opened.close().catch(() => undefined);
        return;
      }
      this.channel = opened;
      this.emit('ready', opened);
    } catch (error) {
      this.logger.warn(
        { channel: this.name, err: error instanceof Error ? error.message : String(error) },
        'channel setup failed',
      );
      await channel?.close().catch(() => undefined);
      this.scheduleReopen();
    } finally {
      this.opening = false;
    }
  }

  private onChannelClosed(channel: ConfirmChannel): void {
    if (this.channel === channel) this.channel = undefined;
    this.emit('closed', channel);
    // A lost connection reopens through 'connect'; a channel closed by an error on a live
    // connection must be reopened here or nobody will.
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.broker.manager.isConnected()) void this.open();
    }, 1000);
    this.reopenTimer.unref();
  }
}
