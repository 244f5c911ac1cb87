// Reads GitHub's response bodies without trusting their size: streamed, counted, and cut at a cap.
import { decodeUtf8, strictUtf8 } from "../http";

export class TooLargeError extends Error {}

const ERROR_BODY_CAP = 16_384;

/** The body as text, refused once it passes `maxBytes` (declared or counted), never read whole first. */
export async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new TooLargeError();
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value as Uint8Array;
    total += chunk.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new TooLargeError();
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const decoder = strictUtf8();
  return decodeUtf8(decoder, bytes) + decodeUtf8(decoder);
}

/** GitHub's error JSON `message`, cut short and stripped of control characters; "" when there is none. */
export async function readErrorMessage(res: Response): Promise<string> {
  let text: string;
  try {
    text = await readBounded(res, ERROR_BODY_CAP);
  } catch {
    return "";
  }
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown })?.message;
  } catch {
    return "";
  }
  if (typeof message !== "string") return "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return message.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 200);
}
