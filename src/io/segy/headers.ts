// SEG-Y header layouts (field names and byte positions as segyio names them) and textual-header decoding.

/** A named header field: 1-based byte position within its header block and size in bytes. */
export interface HeaderField {
  readonly name: string;
  readonly byte: number;
  readonly size: 2 | 4;
}

function fieldsFromPositions(positions: readonly (readonly [number, string])[], end: number): HeaderField[] {
  return positions.map(([byte, name], i) => {
    const next = i + 1 < positions.length ? positions[i + 1][0] : end;
    return { name, byte, size: (next - byte >= 4 ? 4 : 2) as 2 | 4 };
  });
}

/** The 240-byte trace header fields, segyio's names (bytes 1-based within the trace header). */
export const TRACE_HEADER_FIELDS: readonly HeaderField[] = fieldsFromPositions(
  [
    [1, 'TRACE_SEQUENCE_LINE'], [5, 'TRACE_SEQUENCE_FILE'], [9, 'FieldRecord'], [13, 'TraceNumber'],
    [17, 'EnergySourcePoint'], [21, 'CDP'], [25, 'CDP_TRACE'], [29, 'TraceIdentificationCode'],
    [31, 'NSummedTraces'], [33, 'NStackedTraces'], [35, 'DataUse'], [37, 'offset'],
    [41, 'ReceiverGroupElevation'], [45, 'SourceSurfaceElevation'], [49, 'SourceDepth'],
    [53, 'ReceiverDatumElevation'], [57, 'SourceDatumElevation'], [61, 'SourceWaterDepth'],
    [65, 'GroupWaterDepth'], [69, 'ElevationScalar'], [71, 'SourceGroupScalar'], [73, 'SourceX'],
    [77, 'SourceY'], [81, 'GroupX'], [85, 'GroupY'], [89, 'CoordinateUnits'], [91, 'WeatheringVelocity'],
    [93, 'SubWeatheringVelocity'], [95, 'SourceUpholeTime'], [97, 'GroupUpholeTime'],
    [99, 'SourceStaticCorrection'], [101, 'GroupStaticCorrection'], [103, 'TotalStaticApplied'],
    [105, 'LagTimeA'], [107, 'LagTimeB'], [109, 'DelayRecordingTime'], [111, 'MuteTimeStart'],
    [113, 'MuteTimeEND'], [115, 'TRACE_SAMPLE_COUNT'], [117, 'TRACE_SAMPLE_INTERVAL'], [119, 'GainType'],
    [121, 'InstrumentGainConstant'], [123, 'InstrumentInitialGain'], [125, 'Correlated'],
    [127, 'SweepFrequencyStart'], [129, 'SweepFrequencyEnd'], [131, 'SweepLength'], [133, 'SweepType'],
    [135, 'SweepTraceTaperLengthStart'], [137, 'SweepTraceTaperLengthEnd'], [139, 'TaperType'],
    [141, 'AliasFilterFrequency'], [143, 'AliasFilterSlope'], [145, 'NotchFilterFrequency'],
    [147, 'NotchFilterSlope'], [149, 'LowCutFrequency'], [151, 'HighCutFrequency'], [153, 'LowCutSlope'],
    [155, 'HighCutSlope'], [157, 'YearDataRecorded'], [159, 'DayOfYear'], [161, 'HourOfDay'],
    [163, 'MinuteOfHour'], [165, 'SecondOfMinute'], [167, 'TimeBaseCode'], [169, 'TraceWeightingFactor'],
    [171, 'GeophoneGroupNumberRoll1'], [173, 'GeophoneGroupNumberFirstTraceOrigField'],
    [175, 'GeophoneGroupNumberLastTraceOrigField'], [177, 'GapSize'], [179, 'OverTravel'], [181, 'CDP_X'],
    [185, 'CDP_Y'], [189, 'INLINE_3D'], [193, 'CROSSLINE_3D'], [197, 'ShotPoint'], [201, 'ShotPointScalar'],
    [203, 'TraceValueMeasurementUnit'], [205, 'TransductionConstantMantissa'],
    [209, 'TransductionConstantPower'], [211, 'TransductionUnit'], [213, 'TraceIdentifier'],
    [215, 'ScalarTraceHeader'], [217, 'SourceType'], [219, 'SourceEnergyDirectionMantissa'],
    [223, 'SourceEnergyDirectionExponent'], [225, 'SourceMeasurementMantissa'],
    [229, 'SourceMeasurementExponent'], [231, 'SourceMeasurementUnit'], [233, 'UnassignedInt1'],
    [237, 'UnassignedInt2'],
  ],
  241,
);

/** The binary header fields segyio names (bytes 1-based within the FILE, 3201..3600). */
export const BINARY_HEADER_FIELDS: readonly HeaderField[] = [
  ...fieldsFromPositions(
    [
      [3201, 'JobID'], [3205, 'LineNumber'], [3209, 'ReelNumber'], [3213, 'Traces'], [3215, 'AuxTraces'],
      [3217, 'Interval'], [3219, 'IntervalOriginal'], [3221, 'Samples'], [3223, 'SamplesOriginal'],
      [3225, 'Format'], [3227, 'EnsembleFold'], [3229, 'SortingCode'], [3231, 'VerticalSum'],
      [3233, 'SweepFrequencyStart'], [3235, 'SweepFrequencyEnd'], [3237, 'SweepLength'], [3239, 'Sweep'],
      [3241, 'SweepChannel'], [3243, 'SweepTaperStart'], [3245, 'SweepTaperEnd'], [3247, 'Taper'],
      [3249, 'CorrelatedTraces'], [3251, 'BinaryGainRecovery'], [3253, 'AmplitudeRecovery'],
      [3255, 'MeasurementSystem'], [3257, 'ImpulseSignalPolarity'], [3259, 'VibratoryPolarity'],
    ],
    3261,
  ),
  { name: 'SEGYRevision', byte: 3501, size: 2 },
  { name: 'TraceFlag', byte: 3503, size: 2 },
  { name: 'ExtendedHeaders', byte: 3505, size: 2 },
];

/** Trace-header field size for a 1-based byte position (4 for unknown positions, as a 4-byte integer is the common case). */
export function traceFieldSize(byte: number): 2 | 4 {
  const f = TRACE_HEADER_FIELDS.find((x) => x.byte === byte);
  return f ? f.size : 4;
}

/** Read a signed 2- or 4-byte integer. */
export function readInt(view: DataView, offset: number, size: 2 | 4, little: boolean): number {
  return size === 2 ? view.getInt16(offset, little) : view.getInt32(offset, little);
}

/** Write a 2- or 4-byte integer, wrapping out-of-range values the way a C cast does (headers keep their bit pattern). */
export function writeInt(view: DataView, offset: number, size: 2 | 4, value: number, little: boolean): void {
  if (size === 2) view.setInt16(offset, value << 16 >> 16, little);
  else view.setInt32(offset, value | 0, little);
}

/** Parse named fields from a header block; `base` is the 1-based file byte the view starts at (1 for trace headers, 3201 for the binary header). */
export function parseFields(view: DataView, fields: readonly HeaderField[], base: number, little: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fields) out[f.name] = readInt(view, f.byte - base, f.size, little);
  return out;
}

// The EBCDIC -> ASCII table segyio (and POSIX dd conv=ascii) uses, so textual headers decode to the same text.
const EBCDIC_TO_ASCII = new Uint8Array([
  0, 1, 2, 3, 156, 9, 134, 127, 151, 141, 142, 11, 12, 13, 14, 15, 16, 17, 18, 19, 157, 133, 8, 135, 24, 25, 146, 143, 28, 29, 30, 31,
  128, 129, 130, 131, 132, 10, 23, 27, 136, 137, 138, 139, 140, 5, 6, 7, 144, 145, 22, 147, 148, 149, 150, 4, 152, 153, 154, 155, 20, 21, 158, 26,
  32, 160, 161, 162, 163, 164, 165, 166, 167, 168, 91, 46, 60, 40, 43, 33, 38, 169, 170, 171, 172, 173, 174, 175, 176, 177, 93, 36, 42, 41, 59, 94,
  45, 47, 178, 179, 180, 181, 182, 183, 184, 185, 124, 44, 37, 95, 62, 63, 186, 187, 188, 189, 190, 191, 192, 193, 194, 96, 58, 35, 64, 39, 61, 34,
  195, 97, 98, 99, 100, 101, 102, 103, 104, 105, 196, 197, 198, 199, 200, 201, 202, 106, 107, 108, 109, 110, 111, 112, 113, 114, 203, 204, 205, 206, 207, 208,
  209, 126, 115, 116, 117, 118, 119, 120, 121, 122, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231,
  123, 65, 66, 67, 68, 69, 70, 71, 72, 73, 232, 233, 234, 235, 236, 237, 125, 74, 75, 76, 77, 78, 79, 80, 81, 82, 238, 239, 240, 241, 242, 243,
  92, 159, 83, 84, 85, 86, 87, 88, 89, 90, 244, 245, 246, 247, 248, 249, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 250, 251, 252, 253, 254, 255,
]);

const ASCII_TO_EBCDIC = (() => {
  const t = new Uint8Array(256);
  for (let e = 0; e < 256; e++) t[EBCDIC_TO_ASCII[e]] = e;
  return t;
})();

/** Which encoding a 3200-byte textual header most plausibly uses: ASCII when most bytes are printable ASCII, EBCDIC otherwise. */
export function detectTextEncoding(bytes: Uint8Array): 'ascii' | 'ebcdic' {
  let ascii = 0;
  let ebcdic = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d) ascii++;
    const a = EBCDIC_TO_ASCII[b];
    if ((a >= 0x20 && a < 0x7f) || b === 0x25) ebcdic++;
  }
  // Card headers start with 'C': 0x43 in ASCII, 0xC3 in EBCDIC; a strong hint when the counts tie.
  if (ascii === ebcdic) return bytes[0] === 0xc3 ? 'ebcdic' : 'ascii';
  return ascii > ebcdic ? 'ascii' : 'ebcdic';
}

/** Decode a textual header to a string (one character per byte, latin-1 for bytes above 127). */
export function decodeText(bytes: Uint8Array, encoding: 'ascii' | 'ebcdic'): string {
  const mapped = encoding === 'ebcdic' ? bytes.map((b) => EBCDIC_TO_ASCII[b]) : bytes;
  return Buffer.from(mapped.buffer, mapped.byteOffset, mapped.byteLength).toString('latin1');
}

/** Encode text as a 3200-byte EBCDIC textual header: 40 cards of 80 characters, padded with spaces. */
export function encodeEbcdicText(lines: readonly string[]): Uint8Array {
  const out = new Uint8Array(3200).fill(ASCII_TO_EBCDIC[0x20]);
  for (let card = 0; card < 40 && card < lines.length; card++) {
    const s = lines[card].slice(0, 80);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      out[card * 80 + i] = ASCII_TO_EBCDIC[c < 256 ? c : 0x3f];
    }
  }
  return out;
}
