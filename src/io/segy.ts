// SEG-Y reading and writing: the public entry point (implementation in ./segy/).
export { openSegy, SegyVolume, type SegyOpenOptions } from './segy/reader';
export { writeSegy, type SegyCube } from './segy/writer';
export { SAMPLE_FORMATS, type SampleFormat } from './segy/formats';
export { TRACE_HEADER_FIELDS, BINARY_HEADER_FIELDS, type HeaderField } from './segy/headers';
