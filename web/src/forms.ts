/**
 * Labelled fields and errors next to them. Every API error names its field
 * (`details.field`, e.g. `priceCents` or `lines[1].minutes`); a form maps those names to its
 * inputs, and the message appears under the input, tied to it with `aria-describedby` and
 * `aria-invalid`. An error naming no field of the form shows at the form's top.
 */
import { ApiError } from './api';
import { h, uid, type Child } from './dom';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface Field {
  id: string;
  control: Control;
  error: HTMLElement;
  wrap: HTMLElement;
}

export const field = (label: string, control: Control, options: { hint?: string; id?: string } = {}): Field => {
  const id = options.id ?? (control.id || uid('field'));
  control.id = id;
  const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const hint = options.hint ? h('p', { id: `${id}-hint`, class: 'hint' }, options.hint) : null;
  control.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  return { id, control, error, wrap: h('div', { class: 'field' }, h('label', { for: id }, label), hint, control, error) };
};

export const textInput = (props: Record<string, unknown> = {}) => h('input', { type: 'text', ...props });

export const select = (options: readonly (readonly [string, string])[], props: Record<string, unknown> = {}) =>
  h(
    'select',
    props,
    options.map(([value, text]) => h('option', { value }, text)),
  );

const parentName = (name: string): string | undefined => {
  const match = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(name);
  return match ? match[1] : undefined;
};

export class FormErrors {
  private readonly fields = new Map<string, Field>();
  readonly top: HTMLElement;

  constructor() {
    this.top = h('div', { class: 'form-error', role: 'alert', hidden: true });
  }

  /** The API's name for a field (`sessionMinutes`) → the field on screen. */
  bind(apiName: string, f: Field) {
    this.fields.set(apiName, f);
  }

  unbind(apiName: string) {
    this.fields.delete(apiName);
  }

  clear() {
    this.top.hidden = true;
    this.top.textContent = '';
    for (const f of this.fields.values()) {
      f.error.hidden = true;
      f.error.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
  }

  /** Shows a message next to the named field (or its closest named parent), else at the top. */
  set(apiName: string | undefined, message: string) {
    let name = apiName;
    while (name !== undefined && !this.fields.has(name)) name = parentName(name);
    const f = name === undefined ? undefined : this.fields.get(name);
    if (!f) {
      this.top.textContent = message;
      this.top.hidden = false;
      return;
    }
    f.error.textContent = message;
    f.error.hidden = false;
    f.control.setAttribute('aria-invalid', 'true');
  }

  show(error: unknown) {
    if (error instanceof ApiError) this.set(error.field, error.message);
    else this.set(undefined, (error as Error)?.message ?? String(error));
  }

  /** Focus the first field in error (keyboard and screen-reader users land on it). */
  focusFirst() {
    for (const f of this.fields.values()) {
      if (!f.error.hidden) {
        f.control.focus();
        return;
      }
    }
  }
}

/** A form whose submit runs `action` once at a time, showing errors where they belong. */
export const form = (props: { label: string; submit: string; errors: FormErrors; action: (formElement: HTMLFormElement) => Promise<void> }, ...children: Child[]): HTMLFormElement => {
  const button = h('button', { type: 'submit' }, props.submit);
  const element = h('form', { 'aria-label': props.label, novalidate: true }, props.errors.top, ...children, h('div', { class: 'actions' }, button));
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    props.errors.clear();
    button.disabled = true;
    element.setAttribute('aria-busy', 'true');
    props
      .action(element)
      .catch((error: unknown) => {
        props.errors.show(error);
        props.errors.focusFirst();
      })
      .finally(() => {
        button.disabled = false;
        element.removeAttribute('aria-busy');
      });
  });
  return element;
};

/** A client-side check failed: reported like an API error on that field. */
export const invalid = (field: string, message: string) => new ApiError(400, 'validation_error', message, field);
