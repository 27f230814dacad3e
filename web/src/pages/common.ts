import { h, type Child } from '../dom';

/** The page's heading: focused after navigation (tabindex -1), so screen readers announce the page. */
export const pageHeading = (text: string, ...more: Child[]) => h('h1', { tabindex: '-1' }, text, ...more);

export const section = (title: string, ...children: Child[]) => {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id, class: 'panel' }, h('h2', { id }, title), ...children);
};

/** Plain words for the API's status values. */
export const statusText = (status: string) => status.replace(/_/g, ' ');

export const badge = (status: string) => h('span', { class: `badge badge-${status.replace(/[^a-z_]/g, '')}` }, statusText(status));
