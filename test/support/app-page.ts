/**
 * The staff web app (docs/app.md) in a real browser: what every browser test of it does — open it,
 * sign in locally, move between pages and wait until a page is drawn, hold a real answer back.
 */
import type { Page, Route } from 'playwright-core';
import { expect, inject } from 'vitest';

export const appUrl = () => `${inject('apiUrl')}/app/`;

/** Waits until the page under `main` finished loading (the router marks it ready). */
export const ready = async (page: Page) => {
  // Drawn, and for the page the address names: after a link's click the hashchange comes a moment
  // later, and until then the page before still reads ready (a CI run read the Clients list's heading
  // for the client's page).
  // (Polled from here: the app's CSP refuses the page-side function waitForFunction would compile.)
  const drawn = "document.querySelector('main')?.getAttribute('data-state') === 'ready' && document.querySelector('main')?.getAttribute('data-route') === (location.hash || '#/')";
  // A loop, not expect.poll: it also runs in a file's beforeAll (signIn).
  for (const started = Date.now(); !(await page.evaluate<boolean>(drawn));) {
    if (Date.now() - started > 15_000) throw new Error(`the app did not draw ${await page.evaluate<string>('location.hash')} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The local sign-in (SPEC §7: a field labelled "Practice ID", a button "Sign in"), then Today. */
export const signIn = async (page: Page, practiceId: string) => {
  await page.goto(appUrl());
  await page.getByLabel('Practice ID').fill(practiceId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await ready(page);
};

/** Follows a link of the main navigation and waits for its page. */
export const go = async (page: Page, link: string) => {
  const target = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true });
  await target.click();
  // The click's hashchange comes after it: the link is marked current when the new page starts drawing.
  await expect.poll(() => target.getAttribute('aria-current')).toBe('page');
  await ready(page);
};

/** Holds the first GET whose path ends with `suffix` (after this call) for `ms`, then lets the real answer through. */
export const holdFirst = async (page: Page, suffix: string, ms: number) => {
  let held = false;
  let release: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => {
    release = resolve;
  });
  const matches = (url: URL) => url.pathname.endsWith(suffix);
  await page.route(matches, async (route: Route) => {
    if (held || route.request().method() !== 'GET') return route.continue();
    held = true;
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.fulfill({ response });
    release();
  });
  return {
    answered,
    done: () => page.unroute(matches),
  };
};
