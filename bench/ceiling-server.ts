// The raw node:http ceiling: one Node process that reads a POST body, parses it as JSON and
// answers a small JSON object, with no framework, validation, policy or log. What one
// JavaScript thread can answer on this machine at best, shown beside dfw and OPA.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: string;
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      body = JSON.stringify({ allow: true, keys: Object.keys(parsed).length });
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  // The line dfw's own "listening" log has, so the benchmark finds it the same way.
  process.stdout.write(`${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
