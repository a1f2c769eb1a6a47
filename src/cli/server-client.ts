// Talking to a dfw server from the CLI: bearer token, timeout, and errors turned into one
// readable line (exit 2).
import { Option } from 'commander';
import { CliError } from './exit-codes.js';
import { secondsOption } from './number-option.js';
import { httpUrl } from './url-option.js';

export interface ServerOptions {
  server: string;
  token?: string;
  /** Seconds (secondsOption). */
  timeout: number;
}

/** --server, --token and --timeout, shared by every command that talks to a server. */
export function serverOptions(): Option[] {
  return [
    new Option('-s, --server <url>', 'dfw server URL, http:// or https://').env('DFW_SERVER').argParser(httpUrl).makeOptionMandatory(),
    new Option('-t, --token <token>', 'API token').env('DFW_TOKEN'),
    new Option('--timeout <seconds>', 'give up after this long').argParser(secondsOption).default(30),
  ];
}

export async function callServer<T>(options: ServerOptions, method: string, path: string, body?: { json?: unknown; text?: string }): Promise<{ status: number; body: T }> {
  const url = new URL(path, options.server);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: body.text ?? JSON.stringify(body.json) } : {}),
      signal: AbortSignal.timeout(options.timeout * 1000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CliError(`dfw server ${options.server} cannot be reached: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`dfw server answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string } } | undefined)?.error;
    throw new CliError(`dfw server answered ${response.status}: ${error?.message ?? text}`);
  }
  return { status: response.status, body: parsed as T };
}
