/**
 * Reading a request body with a bound: the stream is read only up to `maxBytes` (a client cannot
 * make the server buffer more), and Content-Length, when sent, refuses a larger body before any of
 * it is read.
 */
import { ConveyorError } from '../core/errors.ts';

/** The request body is larger than the endpoint accepts (HTTP 413). */
export class RequestTooLargeError extends ConveyorError {
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(
      'REQUEST_TOO_LARGE',
      `the request body is larger than ${maxBytes} bytes; send less, or raise maxBodyBytes`,
    );
    this.maxBytes = maxBytes;
  }
}

/** The body's bytes (empty when there is none); RequestTooLargeError past `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const declared = request.headers.get('content-length');
  if (declared !== null && !request.headers.has('transfer-encoding') && Number(declared) > maxBytes) {
    await request.body.cancel().catch(() => {});
    throw new RequestTooLargeError(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new RequestTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The body as UTF-8 text, bounded as `readBody`. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  return new TextDecoder().decode(await readBody(request, maxBytes));
}
