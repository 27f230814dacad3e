import { practicePath, request } from '../api';
import { currency, currentPractice } from '../context';
import { h, replace, statusLine, table } from '../dom';
import { field, FormErrors, form, invalid, textInput } from '../forms';
import { formatMoney, parseMoney } from '../money';
import { session } from '../session';
import type { List, Package } from '../types';
import { badge, pageHeading, section } from './common';

/** A number as typed, or the text itself so the API names what is wrong with it. */
const numberOrText = (value: string): number | string => (/^\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim());

const createForm = (status: HTMLElement, reload: () => Promise<void>) => {
  const errors = new FormErrors();
  const name = field('Name', textInput({ name: 'name', required: true, maxlength: 120 }), { id: 'package-name' });
  const sessions = field('Sessions', textInput({ name: 'sessions', inputmode: 'numeric', required: true }), { id: 'package-sessions' });
  const minutes = field('Minutes per session', textInput({ name: 'sessionMinutes', inputmode: 'numeric', required: true }), { id: 'package-minutes' });
  const code = field('Service code', textInput({ name: 'serviceCode', inputmode: 'numeric', required: true, value: '97124' }), {
    id: 'package-service-code',
    hint: 'The CPT code, e.g. 97124 (massage).',
  });
  const price = field('Price', textInput({ name: 'price', inputmode: 'decimal', required: true }), { id: 'package-price', hint: `In ${currency().toUpperCase()}, e.g. 425.00` });
  const expires = field('Credits expire after (days)', textInput({ name: 'expiresInDays', inputmode: 'numeric' }), { id: 'package-expires', hint: 'Leave empty for no expiry.' });
  errors.bind('name', name);
  errors.bind('sessions', sessions);
  errors.bind('sessionMinutes', minutes);
  errors.bind('serviceCode', code);
  errors.bind('priceCents', price);
  errors.bind('expiresInDays', expires);
  const element = form(
    {
      label: 'Create a package',
      submit: 'Create package',
      errors,
      action: async () => {
        const priceCents = parseMoney(price.control.value, currency());
        if (priceCents === undefined) throw invalid('priceCents', 'Enter the price as an amount, e.g. 425.00');
        const created = await request<Package>('POST', practicePath('/packages'), {
          body: {
            name: name.control.value.trim(),
            sessions: numberOrText(sessions.control.value),
            sessionMinutes: numberOrText(minutes.control.value),
            serviceCode: code.control.value.trim(),
            priceCents,
            currency: currency(),
            ...(expires.control.value.trim() ? { expiresInDays: numberOrText(expires.control.value) } : {}),
          },
        });
        element.reset();
        code.control.value = '97124';
        status.textContent = `Created “${created.name}”.`;
        await reload();
      },
    },
    h('div', { class: 'grid' }, name.wrap, sessions.wrap, minutes.wrap, code.wrap, price.wrap, expires.wrap),
  );
  return element;
};

/** Change price: one small form per package, labelled with the package's name. */
const priceForm = (pkg: Package, status: HTMLElement, reload: () => Promise<void>) => {
  const errors = new FormErrors();
  const price = field(`New price for ${pkg.name}`, textInput({ name: 'price', inputmode: 'decimal', size: 8 }), {});
  errors.bind('priceCents', price);
  return form(
    {
      label: `Change the price of ${pkg.name}`,
      submit: 'Change price',
      errors,
      action: async () => {
        const priceCents = parseMoney(price.control.value, pkg.currency);
        if (priceCents === undefined) throw invalid('priceCents', 'Enter the price as an amount, e.g. 450.00');
        await request('PATCH', practicePath(`/packages/${encodeURIComponent(pkg.packageId)}`), { body: { priceCents } });
        status.textContent = `${pkg.name} now costs ${formatMoney(priceCents, pkg.currency)}.`;
        await reload();
      },
    },
    price.wrap,
  );
};

export const packagesPage = async (main: HTMLElement) => {
  const status = statusLine();
  const list = h('div');
  const practiceId = session()?.practiceId ?? '';
  // Each action re-reads the list; only the latest read is drawn, so a slow answer to an earlier
  // one (read before the next "Stop selling") cannot put a stopped package back on sale on screen.
  let latest = 0;
  const reload = async () => {
    const asked = ++latest;
    const packages = await request<List<Package>>('GET', practicePath('/packages'));
    if (asked !== latest) return;
    replace(
      list,
      table(
        ['Name', 'Sessions', 'Minutes', 'Service code', 'Price', 'Status', 'Change price', 'Selling'],
        packages.items.map((pkg) => [
          pkg.name,
          pkg.sessions,
          pkg.sessionMinutes,
          pkg.serviceCode,
          formatMoney(pkg.priceCents, pkg.currency),
          badge(pkg.active ? 'on_sale' : 'stopped'),
          pkg.active ? priceForm(pkg, status, reload) : '—',
          pkg.active
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Stop selling ${pkg.name}`,
                  onclick: async (event: Event) => {
                    const button = event.currentTarget as HTMLButtonElement;
                    button.disabled = true;
                    try {
                      await request('DELETE', practicePath(`/packages/${encodeURIComponent(pkg.packageId)}`));
                      status.textContent = `${pkg.name} is no longer sold. Clients keep their credits.`;
                      await reload();
                    } catch (error) {
                      status.textContent = (error as Error).message;
                      button.disabled = false;
                    }
                  },
                },
                'Stop selling',
              )
            : 'Not sold',
        ]),
        'Packages',
      ),
    );
  };
  await reload();
  const storefront = `/p/${encodeURIComponent(practiceId)}`;
  replace(
    main,
    pageHeading('Packages'),
    currentPractice() ? null : h('p', { class: 'notice' }, 'Set up your practice profile in ', h('a', { href: '#/settings' }, 'Settings'), ' first: a package needs it.'),
    h(
      'p',
      null,
      'Clients buy packages on your storefront: ',
      h('a', { href: storefront, target: '_blank', rel: 'noopener' }, 'Open the storefront'),
      ' ',
      h('code', null, `${location.origin}${storefront}`),
    ),
    status,
    list,
    section('Create a package', createForm(status, reload)),
  );
};
