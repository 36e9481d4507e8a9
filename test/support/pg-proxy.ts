/**
 * A TCP proxy in front of PostgreSQL for the fault "the commit reached the
 * server but its answer was lost": once armed, it forwards the next
 * statement that commits (a COMMIT, or a statement run on its own, which
 * commits when it ends), then cuts the client before any reply reaches it.
 * The server commits; the client only sees its connection close.
 */
import net from 'node:net';

/** Round trips, as messages a client waits after, and as the client's flights (sends that follow a server reply). */
export type RoundTrips = { messages: number; flights: number };

export type PgProxy = {
  /** postgres://… URL equal to the target's, with host 127.0.0.1 and the proxy's port. */
  url: string;
  /**
   * Arms the proxy: the next statement matching `statement` (COMMIT by
   * default) sent by any client connection is forwarded to the server, then
   * that client connection is destroyed before any reply reaches it.
   * Resolves once the server has run it and closed.
   */
  loseNextAnswer(statement?: RegExp): Promise<void>;
  /** How many answers were dropped so far. */
  lostAnswers(): number;
  /** Counts the round trips of every connection while `fn` runs: its connections must already be open and idle. */
  count(fn: () => Promise<unknown>): Promise<RoundTrips>;
  close(): Promise<void>;
};

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
const HOLD_MS = 300;

export const COMMIT = /^\s*(commit|end)\s*;?\s*$/i;

/** Splits the frontend byte stream into messages, and says which chunks complete a statement sought. */
class FrontendParser {
  /** Unparsed bytes, kept as chunks and joined only once a whole message is there: a big message must not cost a copy per chunk. */
  private chunks: Buffer[] = [];
  private size = 0;
  private needed = 4;
  private untyped = true;
  /** After an SSL or GSSAPI request, the server's one-byte answer says whether the rest is encrypted. */
  awaitingEncryptionAnswer = false;
  private encrypted = false;
  private statements = new Map<string, string>();
  /** A statement sought was bound; the server runs it once it reads the Sync that follows. */
  private soughtBound = false;
  /** Messages after which the client waits for the server (Sync, simple Query, Flush): its round trips. */
  waits = 0;

  serverAnswered(firstByte: number | undefined) {
    this.awaitingEncryptionAnswer = false;
    // 'S' (SSL) or 'G' (GSSAPI): the stream is opaque from here on, and no COMMIT can be seen.
    this.encrypted = firstByte === 0x53 || firstByte === 0x47;
  }

  /** Whether the stream stops at a message boundary, where a message of our own may follow. */
  get atBoundary() {
    return this.size === 0 && !this.encrypted;
  }

  /** Returns whether this chunk completes a statement matching `sought` (the server will run it on reading it). */
  feed(chunk: Buffer, sought: RegExp | undefined): boolean {
    if (this.encrypted) return false;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.needed) return false;
    let buffer = Buffer.concat(this.chunks);
    let committed = false;
    for (;;) {
      const header = this.untyped ? 0 : 1;
      this.needed = header + 4;
      if (buffer.length < this.needed) break;
      this.needed = header + buffer.readInt32BE(header);
      if (buffer.length < this.needed) break;
      const message = buffer.subarray(0, this.needed);
      buffer = buffer.subarray(this.needed);
      if (this.untyped) {
        const code = message.readInt32BE(4);
        // The startup message follows the server's answer, untyped like the request.
        this.untyped = code === SSL_REQUEST || code === GSSENC_REQUEST;
        this.awaitingEncryptionAnswer = this.untyped;
        continue;
      }
      const type = String.fromCharCode(message[0]!);
      if ('SQH'.includes(type)) this.waits++;
      if (type === 'S') {
        committed ||= this.soughtBound;
        this.soughtBound = false;
      }
      if (!'QPB'.includes(type)) continue;
      const firstEnd = message.indexOf(0, 5);
      const first = message.toString('utf8', 5, firstEnd);
      const second = message.toString('utf8', firstEnd + 1, message.indexOf(0, firstEnd + 1));
      const matches = (sql: string) => sought?.test(sql) ?? false;
      if (type === 'Q') committed ||= matches(first);
      if (type === 'P') this.statements.set(first, second);
      if (type === 'B') this.soughtBound ||= matches(this.statements.get(second) ?? '');
    }
    this.chunks = buffer.length ? [buffer] : [];
    this.size = buffer.length;
    return committed;
  }
}

export const startPgProxy = async (targetUrl: string): Promise<PgProxy> => {
  const target = new URL(targetUrl);
  const targetHost = target.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const targetPort = Number(target.port || 5432);
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let armed: { statement: RegExp; promise: Promise<void>; resolve: () => void } | undefined;
  let lost = 0;
  let counting: RoundTrips | undefined;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {}).on('close', () => sockets.delete(socket));
    return socket;
  };

  const listener = net.createServer((client) => {
    track(client);
    const server = track(net.connect(targetPort, targetHost));
    const parser = new FrontendParser();
    let cut = false;
    let clientsTurn = false;

    client.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (counting && !clientsTurn) counting.flights++;
      clientsTurn = true;
      const waits = parser.waits;
      const committed = parser.feed(chunk, armed?.statement);
      if (counting) counting.messages += parser.waits - waits;
      if (!server.write(chunk)) client.pause();
      if (!committed || !armed) return;
      const { resolve } = armed;
      armed = undefined;
      cut = true;
      client.destroy();
      // Its answer is read and dropped; a paused socket would not see the server's close.
      server.resume();
      // The server reads a Terminate only after the statement, so it cannot take the cut for an abort.
      if (parser.atBoundary) server.write(TERMINATE);
      const timer = setTimeout(() => server.destroy(), HOLD_MS);
      timers.add(timer);
      server.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        lost++;
        resolve();
      });
    });
    server.on('drain', () => client.resume());
    server.on('data', (chunk: Buffer) => {
      clientsTurn = false;
      if (parser.awaitingEncryptionAnswer) parser.serverAnswered(chunk[0]);
      if (cut) return;
      if (!client.write(chunk)) server.pause();
    });
    client.on('drain', () => server.resume());
    client.on('close', () => cut || server.destroy());
    server.on('close', () => cut || client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject).listen(0, '127.0.0.1', () => resolve());
  });
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((listener.address() as net.AddressInfo).port);

  return {
    url: url.toString(),
    loseNextAnswer(statement = COMMIT) {
      if (!armed) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        armed = { statement, promise, resolve };
      }
      return armed.promise;
    },
    lostAnswers: () => lost,
    async count(fn) {
      const counts = (counting = { messages: 0, flights: 0 });
      try {
        await fn();
      } finally {
        counting = undefined;
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
};
