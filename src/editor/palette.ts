// The class palette (names and colours of label classes) and its edits. No vscode import.
import { isClassName, isHexColor, MAX_CLASSES, type EditorClass, type PaletteEdit } from '../shared/editorProtocol';

/** Distinct colours for new classes (Tableau 10 then a few more), cycled. */
const CLASS_COLOURS: readonly string[] = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94',
];

/** The palette of a new label set: two classes, so painting works at once; or one class per value already in the labels. */
export function defaultPalette(presentValues: readonly number[] = []): EditorClass[] {
  const ids = presentValues.length ? presentValues : [0, 1];
  return ids.map((id) => ({ id, name: `Class ${id}`, color: CLASS_COLOURS[id % CLASS_COLOURS.length]! }));
}

/** The palette after one edit; throws RangeError for an edit that does not apply (unknown id, full palette). */
export function applyPaletteEdit(palette: readonly EditorClass[], edit: PaletteEdit): EditorClass[] {
  switch (edit.op) {
    case 'add': {
      const used = new Set(palette.map((c) => c.id));
      let id = 0;
      while (used.has(id)) id++;
      if (id >= MAX_CLASSES) throw new RangeError(`the palette is full (${MAX_CLASSES} classes)`);
      return [...palette, { id, name: edit.name.trim(), color: edit.color.toLowerCase() }].sort((a, b) => a.id - b.id);
    }
    case 'rename':
      return replaceClass(palette, edit.id, (c) => ({ ...c, name: edit.name.trim() }));
    case 'recolor':
      return replaceClass(palette, edit.id, (c) => ({ ...c, color: edit.color.toLowerCase() }));
    case 'delete':
      if (!palette.some((c) => c.id === edit.id)) throw new RangeError(`no class ${edit.id} in the palette`);
      return palette.filter((c) => c.id !== edit.id);
  }
}

function replaceClass(palette: readonly EditorClass[], id: number, f: (c: EditorClass) => EditorClass): EditorClass[] {
  if (!palette.some((c) => c.id === id)) throw new RangeError(`no class ${id} in the palette`);
  return palette.map((c) => (c.id === id ? f(c) : c));
}

/** Parse a palette from the sidecar JSON ({ classes: [{id, name, color}] }); null when it is not a valid palette. */
export function parsePalette(json: unknown): EditorClass[] | null {
  const classes = (json as { classes?: unknown } | null)?.classes;
  if (!Array.isArray(classes)) return null;
  const out: EditorClass[] = [];
  const seen = new Set<number>();
  for (const c of classes) {
    const { id, name, color } = (c ?? {}) as Record<string, unknown>;
    if (!(Number.isInteger(id) && (id as number) >= 0 && (id as number) < MAX_CLASSES) || seen.has(id as number)) return null;
    if (!isClassName(name) || !isHexColor(color)) return null;
    seen.add(id as number);
    out.push({ id: id as number, name, color: color.toLowerCase() });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The sidecar JSON for a palette (stable, human-readable). */
export function serializePalette(palette: readonly EditorClass[], volumeFile: string): string {
  return `${JSON.stringify({ format: 'seisgrow-labels', version: 1, volume: volumeFile, unlabelled: 255, classes: palette }, null, 2)}\n`;
}

/** True when two palettes are identical. */
export function samePalette(a: readonly EditorClass[], b: readonly EditorClass[]): boolean {
  return a.length === b.length && a.every((c, k) => c.id === b[k]!.id && c.name === b[k]!.name && c.color === b[k]!.color);
}
