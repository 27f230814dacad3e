import { h, replace } from '../dom';
import type { List } from '../types';

/**
 * A list the API pages (`{items, nextCursor}`): the first page is drawn, and "Show more" under it
 * asks for the next one and draws everything read so far. Without it a practice could never see
 * past its 50th receipt or ERA file. Each `load()` (a filter changed, the list re-read after an
 * action) starts over, and the answers to an earlier `load()` — its first page or a later one —
 * are dropped when they arrive late (`load(query)` resolves false then): the list under the filter now showing stays.
 */
export const pagedList = <T, Query = void>(
  holder: HTMLElement,
  fetchPage: (cursor: string | undefined, query: Query) => Promise<List<T>>,
  draw: (items: readonly T[], query: Query) => Node,
  noun: string,
) => {
  let generation = 0;
  /** Draws the list for `query` (e.g. the filter chosen) from its first page. */
  return async (query: Query): Promise<boolean> => {
    const mine = ++generation;
    const items: T[] = [];
    const drawPage = async (cursor: string | undefined, focusMore: boolean): Promise<boolean> => {
      const answer = await fetchPage(cursor, query);
      if (mine !== generation) return false;
      items.push(...answer.items);
      const next = answer.nextCursor;
      const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
      const more = next
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: async (event: Event) => {
                const button = event.currentTarget as HTMLButtonElement;
                if (button.disabled) return;
                button.disabled = true;
                problem.hidden = true;
                try {
                  await drawPage(next, true);
                } catch (error) {
                  problem.textContent = `The next ${noun} did not load: ${(error as Error).message}`;
                  problem.hidden = false;
                  button.disabled = false;
                }
              },
            },
            `Show more ${noun}`,
          )
        : null;
      replace(holder, draw(items, query), more ? h('p', { class: 'actions' }, more) : null, problem);
      // Keyboard users stay where they were: on the next "Show more", or on the list once it is whole.
      if (focusMore) {
        if (!more) holder.setAttribute('tabindex', '-1');
        (more ?? holder).focus();
      }
      return true;
    };
    return drawPage(undefined, false);
  };
};
