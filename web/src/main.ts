/**
 * The kneadpay front desk (docs/app.md): sign-in, the navigation and a hash router over the pages.
 * Plain TypeScript and the DOM (docs/decisions/008-web-app-stack.md).
 */
import './app.css';
import { ApiError, onSessionExpired } from './api';
import { finishInPopup, signInWithCognito, type CognitoConfig } from './cognito';
import { currentPractice, loadPractice, resetPractice } from './context';
import { h, replace } from './dom';
import { field, FormErrors, form, invalid, textInput } from './forms';
import { clientPage, clientsPage } from './pages/clients';
import { claimPage, claimsPage } from './pages/claims';
import { invoicesPage } from './pages/invoices';
import { packagesPage } from './pages/packages';
import { receiptsPage } from './pages/receipts';
import { remittancePage, remittancesPage } from './pages/remittances';
import { settingsPage } from './pages/settings';
import { todayPage } from './pages/today';
import { session, setSession, type Session } from './session';

export type Page = (main: HTMLElement, param?: string) => Promise<void>;

const NAV: readonly (readonly [string, string])[] = [
  ['#/', 'Today'],
  ['#/packages', 'Packages'],
  ['#/clients', 'Clients'],
  ['#/claims', 'Claims'],
  ['#/remittances', 'Remittances'],
  ['#/invoices', 'Invoices'],
  ['#/receipts', 'Receipts'],
  ['#/settings', 'Settings'],
];

const ROUTES: readonly (readonly [RegExp, Page])[] = [
  [/^#?\/?$/, todayPage],
  [/^#\/packages$/, packagesPage],
  [/^#\/clients$/, clientsPage],
  [/^#\/clients\/([^/]+)$/, clientPage],
  [/^#\/claims$/, claimsPage],
  [/^#\/claims\/([^/]+)$/, claimPage],
  [/^#\/remittances$/, remittancesPage],
  [/^#\/remittances\/([^/]+)$/, remittancePage],
  [/^#\/invoices$/, invoicesPage],
  [/^#\/receipts$/, receiptsPage],
  [/^#\/settings$/, settingsPage],
];

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const cognitoConfig = (): CognitoConfig | undefined => (meta('kneadpay-auth') === 'cognito' ? { domain: meta('kneadpay-cognito-domain'), clientId: meta('kneadpay-cognito-client-id') } : undefined);

/** Local sign-in (laptop only): the local runtime mints a local token for the practice. */
const localSignIn = async (practiceId: string): Promise<Session> => {
  const answer = await fetch('/_local/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ practiceId }), credentials: 'omit' });
  const body = (await answer.json().catch(() => ({}))) as { token?: string; expiresAt?: string; error?: { message?: string; details?: { field?: string } } };
  if (!answer.ok || !body.token) {
    throw new ApiError(
      answer.status,
      'sign_in',
      body.error?.message ?? (answer.status === 404 ? 'Local sign-in is only available on a laptop (npm start).' : 'Sign-in failed.'),
      body.error?.details?.field ?? 'practiceId',
    );
  }
  return { practiceId, token: body.token, expiresAt: Date.parse(body.expiresAt ?? '') || Date.now() + 3600_000 };
};

const root = () => document.getElementById('root')!;
let shell: { app: HTMLElement; main: HTMLElement; practiceName: HTMLElement; signIn: HTMLElement } | undefined;

/** The sign-in form; `again` when a session ran out mid-work (the work stays underneath). */
const signInView = (again: { practiceId: string; done: () => void } | undefined) => {
  const errors = new FormErrors();
  const config = cognitoConfig();
  const practiceField = field(
    'Practice ID',
    textInput({ name: 'practiceId', autocomplete: 'organization', required: true, value: again?.practiceId ?? '', spellcheck: 'false', autocapitalize: 'none' }),
    {
      id: 'sign-in-practice-id',
    },
  );
  errors.bind('practiceId', practiceField);
  const signInForm = form(
    {
      label: 'Sign in',
      submit: 'Sign in',
      errors,
      action: async () => {
        let next: Session;
        if (config) next = await signInWithCognito(config);
        else {
          const practiceId = practiceField.control.value.trim();
          if (!practiceId) throw invalid('practiceId', 'Enter your practice ID.');
          next = await localSignIn(practiceId);
        }
        setSession(next);
        if (again && next.practiceId === again.practiceId) again.done();
        else await startApp();
      },
    },
    config ? h('p', null, 'You sign in on the kneadpay sign-in page, in a small window.') : practiceField.wrap,
  );
  return h(
    'section',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-heading' },
    h('h1', { id: 'sign-in-heading' }, again ? 'Your session ended' : 'kneadpay front desk'),
    again
      ? h('p', { role: 'status' }, 'Sign in again to carry on. What you typed is kept.')
      : h('p', { class: 'muted' }, config ? 'Sign in with your kneadpay account.' : 'On this laptop, sign in with your practice ID.'),
    signInForm,
  );
};

const showSignIn = () => {
  shell = undefined;
  resetPractice();
  const view = signInView(undefined);
  replace(root(), h('main', { id: 'main', class: 'signed-out' }, view));
  view.querySelector<HTMLInputElement>('input')?.focus();
};

/** A 401 mid-work: hide the work (kept as it is), sign in again, then carry on. */
let pendingSignIn: Promise<void> | undefined;
onSessionExpired(() => {
  const current = shell;
  const practiceId = session()?.practiceId ?? '';
  if (!current) return Promise.reject(new Error('signed out'));
  pendingSignIn ??= new Promise<void>((resolve) => {
    current.app.hidden = true;
    const view = signInView({
      practiceId,
      done: () => {
        current.signIn.hidden = true;
        current.signIn.replaceChildren();
        current.app.hidden = false;
        pendingSignIn = undefined;
        resolve();
      },
    });
    replace(current.signIn, view);
    current.signIn.hidden = false;
    (view.querySelector<HTMLElement>('input') ?? view.querySelector<HTMLElement>('button'))?.focus();
  });
  return pendingSignIn;
});

const signOut = () => {
  setSession(undefined);
  location.hash = '#/';
  showSignIn();
};

const navigation = () =>
  h(
    'nav',
    { 'aria-label': 'Main' },
    h(
      'ul',
      null,
      NAV.map(([href, text]) => h('li', null, h('a', { href, 'data-nav': href }, text))),
    ),
  );

const markCurrent = () => {
  const hash = location.hash || '#/';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-nav]')) {
    const target = link.dataset.nav!;
    const current = target === '#/' ? hash === '#/' || hash === '' : hash === target || hash.startsWith(`${target}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
};

let renderCount = 0;
const render = async () => {
  if (!shell) return;
  const hash = location.hash || '#/';
  const found = ROUTES.map(([pattern, page]) => [pattern.exec(hash), page] as const).find(([match]) => match);
  const { main } = shell;
  const count = ++renderCount;
  main.removeAttribute('data-state');
  main.setAttribute('aria-busy', 'true');
  markCurrent();
  replace(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    if (!found) {
      replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', null, 'There is no such page. ', h('a', { href: '#/' }, 'Go to Today')));
    } else {
      const [match, page] = found;
      const holder = h('div');
      await page(holder, match![1] ? decodeURIComponent(match![1]) : undefined);
      if (count !== renderCount) return;
      replace(main, ...Array.from(holder.childNodes));
    }
  } catch (error) {
    if (count !== renderCount) return;
    replace(main, h('h1', { tabindex: '-1' }, 'Something went wrong'), h('p', { role: 'alert' }, (error as Error)?.message ?? String(error)));
  }
  main.removeAttribute('aria-busy');
  main.setAttribute('data-state', 'ready');
  // Which page is drawn: a link's hashchange comes a moment after its click, so "ready" alone can be the page before.
  main.setAttribute('data-route', hash);
  main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
};

const startApp = async () => {
  resetPractice();
  const app = h('div', { class: 'app' });
  const signIn = h('div', { class: 'sign-in-again', hidden: true });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const practiceName = h('span', { class: 'practice-name' });
  replace(
    app,
    h('a', { class: 'skip', href: '#main' }, 'Skip to the page'),
    h('header', { class: 'top' }, h('p', { class: 'brand' }, 'kneadpay'), practiceName, h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out')),
    navigation(),
    main,
  );
  // The skip link moves focus without touching the hash router.
  app.querySelector('.skip')!.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  replace(root(), app, signIn);
  shell = { app, main, practiceName, signIn };
  await loadPractice().catch(() => undefined);
  practiceName.textContent = currentPractice()?.name ?? session()?.practiceId ?? '';
  await render();
};

/** Re-reads the practice name in the header (after the profile is saved). */
export const refreshHeader = () => {
  if (shell) shell.practiceName.textContent = currentPractice()?.name ?? session()?.practiceId ?? '';
};

window.addEventListener('hashchange', () => void render());

if (!finishInPopup()) showSignIn();
