import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP server standing in for API Gateway's management API
 * (`POST /@connections/{id}`, and `DELETE` to close one), which answers by
 * the connection id's prefix: `alive-` 200, `gone-` 410, `broken-` 500. It
 * keeps what each connection received, and the connections it closed.
 */
export const managementApi = async () => {
  const received = new Map<string, unknown[]>();
  const closed = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = decodeURIComponent(/^\/@connections\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '');
      if (req.method === 'DELETE' && id.startsWith('alive-')) {
        closed.add(id);
        res.writeHead(204).end();
        return;
      }
      if (req.method !== 'POST' || !id.startsWith('alive-')) {
        res.writeHead(id.startsWith('gone-') ? 410 : 500).end();
        return;
      }
      received.set(id, [...(received.get(id) ?? []), JSON.parse(Buffer.concat(chunks).toString('utf8'))]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    closed,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

export type ManagementApi = Awaited<ReturnType<typeof managementApi>>;
