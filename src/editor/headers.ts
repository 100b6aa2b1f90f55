// Header view data (textual, binary and one trace header as tables) from the SEG-Y reader. No vscode import.
import type { Volume } from '../io/types';
import { BINARY_HEADER_FIELDS, TRACE_HEADER_FIELDS } from '../io/segy';
import type { HeaderField, HeadersMessage } from '../shared/editorProtocol';

/** What the header view needs from a SEG-Y volume (SegyVolume provides it). */
export interface SegyHeaderAccess {
  readonly textualHeader: string;
  readonly binaryHeader: Readonly<Record<string, number>>;
  readonly traceCount: number;
  traceHeader(index: number): Promise<Record<string, number>>;
  traceIndexOf(inline: number, crossline: number): number | undefined;
}

/** The volume's header access when it is a SEG-Y reader, else undefined. */
export function segyHeaders(volume: Volume): SegyHeaderAccess | undefined {
  const v = volume as Partial<SegyHeaderAccess>;
  return typeof v.textualHeader === 'string' && typeof v.traceHeader === 'function' && typeof v.traceIndexOf === 'function'
    && v.binaryHeader !== undefined && typeof v.traceCount === 'number' ? (v as SegyHeaderAccess) : undefined;
}

/** The 3200-byte textual header as its 40 card lines of 80 characters (or the lines it already has). */
export function textualHeaderLines(text: string): string[] {
  if (text.includes('\n')) return text.replace(/\r/g, '').split('\n').map((l) => l.trimEnd());
  const lines: string[] = [];
  for (let k = 0; k < text.length; k += 80) lines.push(text.slice(k, k + 80).trimEnd());
  return lines;
}

/** The headers message for the trace at (inline, crossline) when given and present, else the first trace. */
export async function buildHeadersMessage(access: SegyHeaderAccess, requestId: number, inline?: number, crossline?: number): Promise<HeadersMessage> {
  const found = inline !== undefined && crossline !== undefined ? access.traceIndexOf(inline, crossline) : undefined;
  const index = found ?? 0;
  const trace = await access.traceHeader(index);
  const binary: HeaderField[] = BINARY_HEADER_FIELDS.map((f) => ({ name: f.name, byte: f.byte, value: access.binaryHeader[f.name] ?? 0 }));
  const traceFields: HeaderField[] = TRACE_HEADER_FIELDS.map((f) => ({ name: f.name, byte: f.byte, value: trace[f.name] ?? 0 }));
  const il = trace.INLINE_3D;
  const xl = trace.CROSSLINE_3D;
  return {
    type: 'headers', requestId, textual: textualHeaderLines(access.textualHeader), binary,
    traceTitle: `inline ${il}, crossline ${xl} (trace ${index + 1} of ${access.traceCount})`, trace: traceFields,
  };
}
