/** Escapes text for HTML element and attribute content. */
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Formats integer minor units for display; the only place an amount becomes a decimal string. */
export const formatMoney = (cents: number, currency: string): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = currency.toLowerCase() === 'usd' ? '$' : `${currency.toUpperCase()} `;
  return `${sign}${symbol}${whole}.${String(abs % 100).padStart(2, '0')}`;
};

/** The shared page shell: readable, responsive, accessible, printable; no scripts, no trackers. */
export const page = (title: string, body: string, opts: { refreshSeconds?: number } = {}): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light; --ink: #1d2a2f; --muted: #5b6b70; --accent: #2f6f62; --line: #d8e0df; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8f7; }
  main { max-width: 52rem; margin: 0 auto; padding: 2rem 1rem 4rem; }
  h1 { font-size: 1.8rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
  .muted { color: var(--muted); }
  .cards { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); margin-top: 1.5rem; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: 1.25rem; }
  .price { font-size: 1.5rem; font-weight: 700; margin: .25rem 0; }
  label { display: block; font-weight: 600; margin-top: .75rem; }
  input { width: 100%; padding: .55rem .6rem; border: 1px solid #9fb0ad; border-radius: .4rem; font: inherit; }
  input:focus, button:focus { outline: 3px solid #8cc7b9; outline-offset: 1px; }
  button { margin-top: 1rem; width: 100%; padding: .7rem; border: 0; border-radius: .5rem; background: var(--accent); color: #fff; font: inherit; font-weight: 700; cursor: pointer; }
  .notice { background: #fff7e0; border: 1px solid #f0d68a; padding: .75rem 1rem; border-radius: .5rem; margin-top: 1rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
  @media print { body { background: #fff; } .no-print { display: none; } }
</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
