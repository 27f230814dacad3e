/**
 * A few lines instead of a framework (docs/decisions/008-web-app-stack.md): elements are built
 * with the DOM API, so every value from the API lands as text (a hostile name is text, never
 * markup), and there is no innerHTML anywhere in the app.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Props = Record<string, unknown>;

const appendAll = (parent: Node, children: readonly Child[]) => {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendAll(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

export const h = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    else if (name === 'class') element.className = String(value);
    else if (name === 'value' && 'value' in element) (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  appendAll(element, children);
  return element;
};

/** Replaces an element's children. */
export const replace = (parent: Element, ...children: Child[]) => {
  parent.replaceChildren();
  appendAll(parent, children);
};

/** Only http(s) and same-site links become hrefs: an API value can never be a `javascript:` URL. */
export const safeHref = (url: unknown): string | undefined => {
  if (typeof url !== 'string') return undefined;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
};

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A status line read out by screen readers when it changes. */
export const statusLine = () => h('p', { role: 'status', class: 'status', 'aria-live': 'polite' });

export const table = (headings: readonly string[], rows: readonly Child[][], caption?: string) =>
  h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      caption ? h('caption', null, caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headings.map((heading) => h('th', { scope: 'col' }, heading)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.length === 0
          ? h('tr', null, h('td', { colspan: headings.length, class: 'muted' }, 'Nothing yet.'))
          : rows.map((cells) =>
              h(
                'tr',
                null,
                cells.map((cell) => h('td', null, cell)),
              ),
            ),
      ),
    ),
  );
