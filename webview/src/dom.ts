// Tiny DOM builders: the UI is built in code (no innerHTML, so no markup injection and nothing for the CSP to block).

/** Create an element with attributes and children (strings become text nodes). */
export function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A labelled control in the toolbar. */
export function field(label: string, control: HTMLElement): HTMLElement {
  return label ? el('label', { class: 'field' }, [el('span', { class: 'field-label' }, [label]), control]) : el('span', { class: 'field' }, [control]);
}

/** A vscode-option for a vscode-single-select. */
export function option(value: string, label: string): HTMLElement {
  return el('vscode-option', { value }, [label]);
}

/** A vscode-single-select with options and an initial value. */
export function select(id: string, options: HTMLElement[], value: string): HTMLElement & { value: string } {
  const s = el('vscode-single-select', { id }, options) as HTMLElement & { value: string };
  // The element picks up `value` once its options are upgraded; the attribute covers the first render.
  for (const o of options) if (o.getAttribute('value') === value) o.setAttribute('selected', '');
  s.value = value;
  return s;
}

/** A vscode-textfield. */
export function textfield(id: string, type: string, value: string, label: string): HTMLElement & { value: string } {
  const t = el('vscode-textfield', { id, type, value, 'aria-label': label }) as HTMLElement & { value: string };
  t.value = value;
  return t;
}

/** Primary look for the active tool, secondary for the others. */
export function setButtonActive(button: HTMLElement, active: boolean): void {
  button.toggleAttribute('secondary', !active);
  button.setAttribute('aria-pressed', String(active));
}
