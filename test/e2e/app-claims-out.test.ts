import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, practiceProfile } from '../support/api';
import { go, ready, signIn } from '../support/app-page';
import { downloadedBytes, launchBrowser } from '../support/browser';
import { newId } from '../../functions/shared/ids';
import { newPracticeId } from '../support/store';
import { check837P } from '../support/x12-837p-structure';
import { ack277, ack999 } from '../fixtures/claims/acks';

/**
 * Claims out in the staff web app (docs/app.md, audit d4): the front desk sets up a payer and a
 * client's coverage (errors under their fields), registers a claim to send, sees the claims by state
 * with each draft's problems, sends the ready ones ("Send claims": an 837P batch, downloaded and
 * checked against the guide's structure), uploads the 277CA that comes back, and downloads a
 * claim's CMS-1500. Real stack (DynamoDB Local, the API's own handlers), real Chromium; the steps
 * share one practice and run in order.
 */
const TABLET = { width: 820, height: 1180 };
const RENDERING = { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' };
const HOSTILE = '<img src=x onerror=alert(9)>';
/** `KNEADPAY_APP_SCREENSHOTS=docs/app` also writes this file's pictures for docs/app.md (as app.test.ts does for the other pages). */
const docsShots = process.env.KNEADPAY_APP_SCREENSHOTS ? resolve(process.env.KNEADPAY_APP_SCREENSHOTS) : undefined;

describe('the staff web app: claims out (payers, coverage, claims by state, Send claims, 999/277CA, CMS-1500)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const practiceId = newPracticeId();
  const jane = { email: `${newId('jane')}@client.example`, id: '' };
  const sam = { email: `${newId('sam')}@client.example`, id: '' };
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  const field = (form: string, label: string) => page.getByRole('form', { name: form }).getByLabel(label, { exact: true });
  const errorOf = async (form: string, label: string) => {
    const input = field(form, label);
    await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
    return page.locator(`#${await input.getAttribute('id')}-error`).innerText();
  };
  const shoot = async (name: string) => {
    if (!docsShots) return;
    mkdirSync(docsShots, { recursive: true });
    await page.screenshot({ path: join(docsShots, `${name}.png`) });
  };
  const fits = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
  const showState = async (state: string) => {
    await page.getByLabel('Claims in state').selectOption(state);
    const list = page.getByRole('table', { name: `Claims: ${state}` });
    await list.waitFor();
    return list;
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: TABLET, acceptDownloads: true });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    // A practice ready to bill (NPI, taxonomy, EIN, ZIP+4) and two clients, as the storefront leaves them.
    const profile = await api('PUT', `/practices/${practiceId}`, {
      practiceId,
      body: practiceProfile({ taxonomyCode: '225700000X', address: { line1: '1 Main St', city: 'Portland', state: 'OR', postalCode: '97201-1234' } }),
    });
    expect(profile.status).toBe(200);
    for (const [client, name] of [
      [jane, 'Jane Doe'],
      [sam, 'Sam Roe'],
    ] as const) {
      const made = await api('POST', `/practices/${practiceId}/clients`, { practiceId, body: { email: client.email, name } });
      expect(made.status).toBe(201);
      client.id = made.body.clientId;
    }
    await signIn(page, practiceId);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('1. a payer and a client’s coverage: what the API refuses shows under its field, then both are saved', async () => {
    // Act: the payer, first without a name, then with a state that is not two letters, then right
    await go(page, 'Claims');
    await field('Save a payer', 'Payer ID').fill('ACME1');
    await page.getByRole('button', { name: 'Save payer' }).click();
    const nameError = await errorOf('Save a payer', 'Name');
    const focusedOnName = await page.evaluate<string | undefined>('document.activeElement?.id');
    await field('Save a payer', 'Name').fill(`Acme Health ${HOSTILE}`);
    await field('Save a payer', 'Street').fill('PO Box 100');
    await field('Save a payer', 'City').fill('Hartford');
    await field('Save a payer', 'State (2 letters)').fill('C');
    await field('Save a payer', 'ZIP code').fill('06101');
    await page.getByRole('button', { name: 'Save payer' }).click();
    const stateError = await errorOf('Save a payer', 'State (2 letters)');
    await field('Save a payer', 'State (2 letters)').fill('ct');
    await page.getByRole('button', { name: 'Save payer' }).click();
    const payerSaved = page.getByText(/^Payer ACME1 saved/);
    await payerSaved.waitFor();
    const payerStatus = await payerSaved.innerText();

    // Act: Jane's coverage, first with a payer that is not saved, then with ACME1
    await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(jane.id)}'`);
    await page.getByRole('form', { name: 'Save coverage' }).waitFor();
    await ready(page);
    const coverage = page.getByRole('form', { name: 'Save coverage' });
    const patient = coverage.getByRole('group', { name: 'Patient' });
    await field('Save coverage', 'Payer ID').fill('NOPE1');
    await field('Save coverage', 'Member ID').fill('XYZ123456789');
    await field('Save coverage', 'Group number').fill('GRP-77');
    await patient.getByLabel('First name').fill('Jane');
    await patient.getByLabel('Last name').fill('Doe');
    await patient.getByLabel('Birth date').fill('1985-04-12');
    await patient.getByLabel('Sex').selectOption('F');
    await patient.getByLabel('Street').fill('22 Elm St');
    await patient.getByLabel('City').fill('Portland');
    await patient.getByLabel('State (2 letters)').fill('OR');
    await patient.getByLabel('ZIP code').fill('97202');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    const payerError = await errorOf('Save coverage', 'Payer ID');
    await field('Save coverage', 'Payer ID').fill('ACME1');
    await patient.getByLabel('ZIP code').fill('9720');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    const zipInput = patient.getByLabel('ZIP code');
    await expect.poll(() => zipInput.getAttribute('aria-invalid')).toBe('true');
    const zipError = await page.locator(`#${await zipInput.getAttribute('id')}-error`).innerText();
    await zipInput.fill('97202');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    await page.getByText(/^Coverage saved with payer ACME1/).waitFor();
    const subscriberHidden = await coverage.getByRole('group', { name: 'Subscriber' }).count();
    await coverage.scrollIntoViewIfNeeded();
    await shoot('13-coverage');
    const coverageFits = await fits();

    // Assess
    expect(nameError).toMatch(/name/i);
    expect(focusedOnName).toBe('payer-name-field');
    expect(stateError).toMatch(/state/i);
    expect(payerStatus).toBe(`Payer ACME1 saved: Acme Health ${HOSTILE} (CI commercial insurance).`);
    expect(payerError).toContain('payer NOPE1 is not saved');
    expect(zipError).toMatch(/postalCode|ZIP|digits/i);
    expect(subscriberHidden).toBe(0);
    expect(coverageFits).toBe(true);
  });

  it('2. claims by state: a claim registered in the app to send is ready; a client without coverage leaves a draft naming what to fix; Send claims with only the draft says why', async () => {
    // Prepare: Sam (no coverage) has a claim: a draft
    const draft = await api('POST', `/practices/${practiceId}/claims`, {
      practiceId,
      body: {
        claimId: 'CLM-S1',
        clientId: sam.id,
        payerId: 'ACME1',
        renderingProvider: RENDERING,
        dateOfService: '2026-10-02',
        placeOfService: '11',
        diagnosisCodes: ['M54.2'],
        lines: [{ procedureCode: '97124', minutes: 30, chargeCents: 6000 }],
      },
    });
    expect([draft.status, draft.body.state]).toEqual([201, 'draft']);

    // Act: nothing ready yet, "Send claims" says why
    await go(page, 'Claims');
    const drafts = await showState('draft');
    const draftRow = await drafts.locator('tbody tr').innerText();
    const fixLink = await drafts.getByRole('link', { name: 'the client’s page' }).getAttribute('href');
    await page.getByRole('button', { name: 'Send claims' }).click();
    const refusal = page.getByRole('form', { name: 'Send claims' }).locator('.form-error');
    await refusal.waitFor();
    const refusalText = await refusal.innerText();
    const notSent = await page.getByRole('list', { name: 'Claims not sent' }).innerText();

    // Act: register a claim to send, for Jane, in the app
    await page.getByLabel('Claim ID', { exact: true }).fill('CLM-A1');
    await page.getByLabel('Client email').fill(jane.email);
    await page.getByLabel('Date of service').fill('2026-10-02');
    await page.getByLabel('Diagnosis codes').fill('M54.2');
    await page.getByLabel('Minutes, line 1').fill('30');
    await page.getByLabel('Charge, line 1').fill('60.00');
    await field('Register a claim', 'Payer ID').fill('ACME1');
    await page.getByLabel('Therapist first name').fill(RENDERING.firstName);
    await page.getByLabel('Therapist last name').fill(RENDERING.lastName);
    await page.getByLabel('Therapist NPI').fill(RENDERING.npi);
    await page.getByRole('button', { name: 'Register claim' }).click();
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-A1' }).waitFor();
    await ready(page);
    const claimOut = await page.getByRole('region', { name: 'Claim out' }).innerText();
    await go(page, 'Claims');
    const readyRows = await (await showState('ready')).locator('tbody tr').allInnerTexts();
    const listFits = await fits();

    // Assess
    expect(draftRow).toContain('CLM-S1');
    expect(draftRow).toContain('Client’s coverage: the client has no coverage');
    // In the desk's words, not the API's: no route to call (the page says where to fix it).
    expect(draftRow).not.toContain('PUT /');
    expect(fixLink).toBe(`#/clients/${encodeURIComponent(sam.id)}`);
    expect(refusalText).toMatch(/no claim can go into an 837P batch/);
    expect(notSent).toContain('CLM-S1');
    expect(notSent).toContain('Client’s coverage');
    expect(claimOut).toMatch(/State: ready · payer ACME1/);
    expect(readyRows).toHaveLength(1);
    expect(readyRows[0]).toMatch(/CLM-A1\s+Oct 2, 2026\s+ACME1\s+\$60\.00\s+ready/);
    expect(listFits).toBe(true);
  });

  it('3. Send claims (keyboard): the batch of the ready claims, its 837P downloaded and checked against the guide; the draft is listed as not sent', async () => {
    // Prepare: a second ready claim for Jane
    const second = await api('POST', `/practices/${practiceId}/claims`, {
      practiceId,
      body: {
        claimId: 'CLM-A2',
        clientId: jane.id,
        payerId: 'ACME1',
        renderingProvider: RENDERING,
        dateOfService: '2026-10-03',
        placeOfService: '11',
        diagnosisCodes: ['M54.2'],
        lines: [{ procedureCode: '97140', minutes: 25, chargeCents: 7000 }],
      },
    });
    expect([second.status, second.body.state]).toEqual([201, 'ready']);
    await go(page, 'Claims');

    // Act: the keyboard sends; the file is downloaded as a person would
    await page.getByRole('button', { name: 'Send claims' }).focus();
    await page.keyboard.press('Enter');
    const batch = page.getByRole('region', { name: 'Batch B000000001' });
    await batch.waitFor();
    const batchText = await batch.innerText();
    const [download] = await Promise.all([page.waitForEvent('download'), batch.getByRole('button', { name: 'Download the 837P file' }).click()]);
    const file = (await downloadedBytes(download)).toString('utf8');
    await page.getByRole('heading', { name: 'Claims by state' }).scrollIntoViewIfNeeded();
    await shoot('12-claims-out');
    const submitted = await (await showState('submitted')).locator('tbody tr').allInnerTexts();
    // Send claims again with nothing new ready: the API answers the last batch (200), which is not a new file.
    await page.getByRole('button', { name: 'Send claims' }).click();
    const again = page.getByRole('region', { name: 'Batch B000000001' }).locator('.notice');
    await again.waitFor();
    const againText = await again.innerText();

    // Assess
    expect(batchText).toContain('Batch B000000001: 2 claims in the 837P file (interchange 000000001): CLM-A1, CLM-A2.');
    expect(batchText).toContain('1 not sent:');
    expect(batchText).toContain('CLM-S1');
    expect(download.suggestedFilename()).toBe('B000000001.837');
    const report = check837P(file);
    expect(report.problems).toEqual([]);
    expect(report.claims).toBe(2);
    expect(file).toContain('CLM*CLM-A1*60***11:B:1*Y*A*Y*Y~');
    expect(submitted).toHaveLength(2);
    for (const row of submitted) expect(row).toContain('Download B000000001.837');
    expect(againText).toBe(
      'Nothing new to send: batch B000000001 below was made by an earlier “Send claims”. Its claims are already in that file; upload it again only if your clearinghouse did not get it.',
    );
  });

  it('4. a 999 then a 277CA uploaded: the 999 accepts the batch; the 277CA accepts one claim and rejects the other with the clearinghouse’s text shown as text; the lists follow', async () => {
    // Prepare: the clearinghouse accepts CLM-A1 and rejects CLM-A2 (its free text is hostile markup)
    const ack = ack277(
      [
        { pcn: 'CLM-A1', category: 'A2', status: '20', icn: 'PAYER-A1' },
        { pcn: 'CLM-A2', category: 'A7', status: '562', message: `MEMBER NOT FOUND ${HOSTILE}` },
      ],
      { batch: 'B000000001' },
    );
    await go(page, 'Claims');

    // Act: a file that is not X12 first, then the 277CA
    await page.getByLabel('999 or 277CA file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello, not a 277') });
    await page.getByRole('button', { name: 'Upload acknowledgement' }).click();
    const badFile = await errorOf('Upload an acknowledgement', '999 or 277CA file');
    // The clearinghouse's 999 first: the 837P (group 1, batch B000000001) accepted
    await page.getByLabel('999 or 277CA file').setInputFiles({ name: 'batch.999', mimeType: 'text/plain', buffer: Buffer.from(ack999('1', 'A')) });
    await page.getByRole('button', { name: 'Upload acknowledgement' }).click();
    const ack999Region = page.getByRole('region', { name: 'Acknowledgement 999' });
    await ack999Region.waitFor();
    const accepted999 = await ack999Region.innerText();
    await page.getByLabel('999 or 277CA file').setInputFiles({ name: 'batch.277', mimeType: 'text/plain', buffer: Buffer.from(ack) });
    await page.getByRole('button', { name: 'Upload acknowledgement' }).click();
    const outcome = page.getByRole('region', { name: 'Acknowledgement 277CA' });
    await outcome.waitFor();
    const summary = await outcome.locator('p').first().innerText();
    const accepted = await outcome.getByRole('list', { name: 'Accepted claims' }).innerText();
    const rejected = await outcome.getByRole('list', { name: 'Rejected claims' }).innerText();
    // The lists are read again after the upload's answer is drawn: wait for the rejected claims to follow.
    const rejectedTable = page.getByRole('table', { name: 'Claims rejected by the clearinghouse or payer' });
    await expect.poll(() => rejectedTable.locator('tbody tr').first().innerText()).toContain('CLM-A2');
    const rejectedRows = await rejectedTable.locator('tbody tr').allInnerTexts();
    const acceptedRows = await (await showState('accepted')).locator('tbody tr').allInnerTexts();
    const injected = await page.evaluate<number>("document.querySelectorAll('main img').length");

    // Assess
    expect(badFile).toMatch(/ISA|X12|segment/i);
    expect(accepted999).toContain('999: 2 accepted, 0 rejected.');
    expect(accepted999).toContain('CLM-A1 accepted');
    expect(accepted999).toContain('CLM-A2 accepted');
    expect(summary).toBe('277CA: 1 accepted, 1 rejected.');
    expect(accepted).toBe('CLM-A1 accepted');
    expect(rejected).toMatch(/^CLM-A2: A7:562/);
    expect(rejected).toContain(`MEMBER NOT FOUND ${HOSTILE}`);
    expect(rejectedRows).toHaveLength(1);
    expect(rejectedRows[0]).toContain('CLM-A2');
    expect(acceptedRows).toHaveLength(1);
    expect(acceptedRows[0]).toContain('CLM-A1');
    expect(injected).toBe(0);
  });

  it('5. a claim’s CMS-1500: downloaded as a PDF; a draft’s refusal lists what the form needs', async () => {
    // Act: the accepted claim's form
    await page.evaluate("location.hash = '#/claims/CLM-A1'");
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-A1' }).waitFor();
    await ready(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CMS-1500 (PDF)' }).click()]);
    const pdf = await downloadedBytes(download);
    // Act: the draft's
    await page.evaluate("location.hash = '#/claims/CLM-S1'");
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-S1' }).waitFor();
    await ready(page);
    const toFix = await page.getByRole('list', { name: 'What to fix' }).innerText();
    await page.getByRole('button', { name: 'Download CMS-1500 (PDF)' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The CMS-1500 was not made' });
    await refusal.waitFor();
    const refusalText = await refusal.innerText();
    const storage = await page.evaluate<number>('localStorage.length + sessionStorage.length');
    const cookies = await context.cookies();

    // Assess
    expect(download.suggestedFilename()).toBe('CLM-A1-cms1500.pdf');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(toFix).toContain('Client’s coverage');
    expect(refusalText).toContain('the claim is missing what a CMS-1500 needs');
    expect(refusalText).toContain('Client’s coverage: the client has no coverage');
    expect(page.url()).not.toMatch(/token|eyJ/);
    expect([storage, cookies.length]).toEqual([0, 0]);
  });

  it('6. the draft’s client covered in the app: the draft is checked again and listed as ready (bug 96)', async () => {
    // Act: Sam's coverage saved on his page, then the Claims page
    await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(sam.id)}'`);
    const coverage = page.getByRole('form', { name: 'Save coverage' });
    await coverage.waitFor();
    await ready(page);
    const patient = coverage.getByRole('group', { name: 'Patient' });
    await field('Save coverage', 'Payer ID').fill('ACME1');
    await field('Save coverage', 'Member ID').fill('SAM123456789');
    await patient.getByLabel('First name').fill('Sam');
    await patient.getByLabel('Last name').fill('Roe');
    await patient.getByLabel('Birth date').fill('1979-02-03');
    await patient.getByLabel('Sex').selectOption('M');
    await patient.getByLabel('Street').fill('5 Oak St');
    await patient.getByLabel('City').fill('Portland');
    await patient.getByLabel('State (2 letters)').fill('OR');
    await patient.getByLabel('ZIP code').fill('97203');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    const saved = await page.getByText(/^Coverage saved with payer ACME1/).innerText();
    await go(page, 'Claims');
    const drafts = await (await showState('draft')).locator('tbody tr').allInnerTexts();
    const readyRows = await (await showState('ready')).locator('tbody tr').allInnerTexts();

    // Assess
    expect(saved).toBe('Coverage saved with payer ACME1. The client’s open claims were checked again.');
    expect(drafts).toEqual(['Nothing yet.']);
    expect(readyRows).toHaveLength(1);
    expect(readyRows[0]).toMatch(/^CLM-S1\s/);
  });

  it('7. Settings: saving the profile keeps the taxonomy code and the clearinghouse the 837P is built from (bug 97)', async () => {
    // Prepare: the practice's clearinghouse, set through the API
    const practice = (await api('GET', `/practices/${practiceId}`, { practiceId })).body;
    const clearinghouse = { name: 'Office Ally', receiverId: 'OFFALLY', submitterId: 'HARBOR01', usage: 'T' };
    const { createdAt: _c, updatedAt: _u, receiptStatement: _r, ...profile } = practice;
    expect((await api('PUT', `/practices/${practiceId}`, { practiceId, body: { ...profile, clearinghouse } })).status).toBe(200);
    await signIn(page, practiceId);

    // Act: only the phone changed in Settings, and saved
    await go(page, 'Settings');
    await page.getByLabel('Phone').fill('+1 555 0199');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    const saved = (await api('GET', `/practices/${practiceId}`, { practiceId })).body;

    // Assess
    expect([saved.phone, saved.taxonomyCode, saved.clearinghouse]).toEqual(['+1 555 0199', '225700000X', clearinghouse]);
  });

  it('8. Settings: the taxonomy code a claim needs is changed there (a wrong one refused under its field)', async () => {
    // Act
    await page.getByLabel('Taxonomy code (NUCC)').fill('225700000Y');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const taxonomyError = await errorOf('Practice profile', 'Taxonomy code (NUCC)');
    await page.getByLabel('Taxonomy code (NUCC)').fill('174400000X');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(async () => (await api('GET', `/practices/${practiceId}`, { practiceId })).body.taxonomyCode).toBe('174400000X');
    const settingsFit = await fits();

    // Assess
    expect(taxonomyError).toMatch(/taxonomy/i);
    expect(settingsFit).toBe(true);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
  it('9. a payer and a coverage read back: chosen or opened, the saved fields are filled, and a re-save keeps the address not typed again', async () => {
    // Act: the saved payer chosen on the Claims page, only its name changed, saved
    await go(page, 'Claims');
    const payerForm = page.getByRole('form', { name: 'Save a payer' });
    await payerForm.getByLabel('Saved payer').selectOption('ACME1');
    const filled = {
      payerId: await field('Save a payer', 'Payer ID').inputValue(),
      name: await field('Save a payer', 'Name').inputValue(),
      indicator: await field('Save a payer', 'Claim filing indicator').inputValue(),
      street: await field('Save a payer', 'Street').inputValue(),
      state: await field('Save a payer', 'State (2 letters)').inputValue(),
      zip: await field('Save a payer', 'ZIP code').inputValue(),
    };
    await field('Save a payer', 'Name').fill('Acme Health Plans');
    await payerForm.getByRole('button', { name: 'Save payer' }).click();
    await page.getByText(/^Payer ACME1 saved: Acme Health Plans/).waitFor();
    const payers = (await api('GET', `/practices/${practiceId}/payers`, { practiceId })).body;
    const offered = await payerForm.getByLabel('Saved payer').locator('option').allInnerTexts();

    // Act: Jane's page: her coverage is in the form; only the group number changed, saved
    await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(jane.id)}'`);
    const coverage = page.getByRole('form', { name: 'Save coverage' });
    await coverage.waitFor();
    await ready(page);
    const patient = coverage.getByRole('group', { name: 'Patient' });
    const shown = {
      payerId: await field('Save coverage', 'Payer ID').inputValue(),
      memberId: await field('Save coverage', 'Member ID').inputValue(),
      group: await field('Save coverage', 'Group number').inputValue(),
      first: await patient.getByLabel('First name').inputValue(),
      dob: await patient.getByLabel('Birth date').inputValue(),
      sex: await patient.getByLabel('Sex').inputValue(),
      street: await patient.getByLabel('Street').inputValue(),
    };
    await field('Save coverage', 'Group number').fill('GRP-88');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    await page.getByText(/^Coverage saved with payer ACME1/).waitFor();
    const saved = (await api('GET', `/practices/${practiceId}/clients/${jane.id}/coverage`, { practiceId })).body;
    // Sam's coverage (saved in step 6) is in his form, not Jane's.
    await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(sam.id)}'`);
    await expect.poll(() => field('Save coverage', 'Member ID').inputValue()).toBe('SAM123456789');
    const samPatient = await coverage.getByRole('group', { name: 'Patient' }).getByLabel('First name').inputValue();

    // Assess
    expect(filled).toEqual({ payerId: 'ACME1', name: `Acme Health ${HOSTILE}`, indicator: 'CI', street: 'PO Box 100', state: 'CT', zip: '06101' });
    expect(payers.items).toHaveLength(1);
    expect([payers.items[0].name, payers.items[0].address]).toEqual(['Acme Health Plans', { line1: 'PO Box 100', city: 'Hartford', state: 'CT', postalCode: '06101' }]);
    expect(offered).toEqual(['New payer', 'ACME1 — Acme Health Plans']);
    expect(shown).toEqual({ payerId: 'ACME1', memberId: 'XYZ123456789', group: 'GRP-77', first: 'Jane', dob: '1985-04-12', sex: 'F', street: '22 Elm St' });
    expect(saved).toEqual({
      clientId: jane.id,
      payerId: 'ACME1',
      memberId: 'XYZ123456789',
      groupNumber: 'GRP-88',
      relationship: 'self',
      subscriber: null,
      patient: { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } },
    });
    expect(samPatient).toBe('Sam');
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('10. a coverage’s secondary plan (saved through the API) is shown in the form and kept by a re-save; the desk changes it (errors under its fields), removes it and adds it again', async () => {
    // Prepare: a second payer and Jane's secondary plan, saved through the API.
    await api('PUT', `/practices/${practiceId}/payers/BEACON2`, { practiceId, body: { name: 'Beacon Mutual', payerId: 'BEACON2' } });
    const before = (await api('GET', `/practices/${practiceId}/clients/${jane.id}/coverage`, { practiceId })).body;
    const secondary = { payerId: 'BEACON2', memberId: 'BCN-555', groupNumber: 'BG-9', relationship: 'self' };
    const { clientId: _c, ...coverageBody } = before;
    expect((await api('PUT', `/practices/${practiceId}/clients/${jane.id}/coverage`, { practiceId, body: { ...coverageBody, secondary } })).status).toBe(200);
    const reopen = async () => {
      await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(sam.id)}'`);
      await expect.poll(() => field('Save coverage', 'Member ID').inputValue()).toBe('SAM123456789');
      await page.evaluate(`location.hash = '#/clients/${encodeURIComponent(jane.id)}'`);
      await expect.poll(() => field('Save coverage', 'Member ID').inputValue()).toBe('XYZ123456789');
    };
    const coverage = page.getByRole('form', { name: 'Save coverage' });
    const plan = coverage.getByRole('group', { name: 'Secondary plan', exact: true });
    const planSubscriber = coverage.getByRole('group', { name: 'Subscriber of the secondary plan', exact: true });
    const has = () => field('Save coverage', 'The client has a secondary plan');
    // Waits for this save's own answer: the status line of the save before it reads the same words
    // (a red CI run read the coverage before the second save had landed).
    const save = async (status: RegExp) => {
      const answered = page.waitForResponse((response) => response.request().method() === 'PUT' && response.url().includes(`/clients/${encodeURIComponent(jane.id)}/coverage`));
      await coverage.getByRole('button', { name: 'Save coverage' }).click();
      expect((await answered).status()).toBe(200);
      await page.getByText(status).waitFor();
      return (await api('GET', `/practices/${practiceId}/clients/${jane.id}/coverage`, { practiceId })).body;
    };

    // Act: Jane's form opened again: her secondary plan is shown; only the group number changed, saved
    await reopen();
    const shown = {
      ticked: await has().isChecked(),
      payerId: await field('Save coverage', 'Secondary payer ID').inputValue(),
      memberId: await field('Save coverage', 'Secondary member ID').inputValue(),
      group: await field('Save coverage', 'Secondary group number').inputValue(),
      relationship: await field('Save coverage', 'Patient’s relationship to the secondary plan’s subscriber').inputValue(),
      subscriberShown: await planSubscriber.count(),
    };
    await field('Save coverage', 'Group number').fill('GRP-99');
    const saved = await save(/^Coverage saved with payer ACME1 and secondary payer BEACON2\./);

    // Act: the plan changed to her spouse's, first with a short ZIP and the primary's payer (each refused under its field), then right
    await field('Save coverage', 'Patient’s relationship to the secondary plan’s subscriber').selectOption('spouse');
    await field('Save coverage', 'Secondary member ID').fill('BCN-777');
    await planSubscriber.getByLabel('First name').fill('John');
    await planSubscriber.getByLabel('Last name').fill('Doe');
    await planSubscriber.getByLabel('Birth date').fill('1983-02-01');
    await planSubscriber.getByLabel('Sex').selectOption('M');
    await planSubscriber.getByLabel('Street').fill('22 Elm St');
    await planSubscriber.getByLabel('City').fill('Portland');
    await planSubscriber.getByLabel('State (2 letters)').fill('OR');
    await planSubscriber.getByLabel('ZIP code').fill('9720');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    const zipInput = planSubscriber.getByLabel('ZIP code');
    await expect.poll(() => zipInput.getAttribute('aria-invalid')).toBe('true');
    const zipError = await page.locator(`#${await zipInput.getAttribute('id')}-error`).innerText();
    const focusedOnZip = await page.evaluate<string | undefined>('document.activeElement?.id');
    await zipInput.fill('97202');
    await field('Save coverage', 'Secondary payer ID').fill('ACME1');
    await coverage.getByRole('button', { name: 'Save coverage' }).click();
    const samePayerError = await errorOf('Save coverage', 'Secondary payer ID');
    await field('Save coverage', 'Secondary payer ID').fill('BEACON2');
    const changed = await save(/^Coverage saved with payer ACME1 and secondary payer BEACON2\./);
    await reopen();
    const subscriberShown = await planSubscriber.getByLabel('First name').inputValue();

    // Act: removed (the box unticked), then added again as it was
    await has().uncheck();
    const fieldsHidden = await plan.getByLabel('Secondary payer ID').isHidden();
    const removed = await save(/^Coverage saved with payer ACME1; the secondary plan was removed\./);
    await reopen();
    const tickedAfterRemoval = await has().isChecked();
    await has().check();
    await field('Save coverage', 'Secondary payer ID').fill('BEACON2');
    await field('Save coverage', 'Secondary member ID').fill('BCN-555');
    await field('Save coverage', 'Secondary group number').fill('BG-9');
    await field('Save coverage', 'Patient’s relationship to the secondary plan’s subscriber').selectOption('self');
    const added = await save(/^Coverage saved with payer ACME1 and secondary payer BEACON2\./);

    // Assess: shown as saved; the group number changed, the secondary plan kept (it was sent back as it was).
    expect(shown).toEqual({ ticked: true, payerId: 'BEACON2', memberId: 'BCN-555', group: 'BG-9', relationship: 'self', subscriberShown: 0 });
    expect([saved.groupNumber, saved.secondary]).toEqual(['GRP-99', { ...secondary, subscriber: null }]);
    // Changed: the errors under the secondary plan's own fields, focus on the first.
    expect(zipError).toMatch(/postalCode|ZIP|digits/i);
    expect(focusedOnZip).toBe('secondary-subscriber-address-zip');
    expect(samePayerError).toContain("is the primary plan's payer (ACME1)");
    expect(changed.secondary).toEqual({
      payerId: 'BEACON2',
      memberId: 'BCN-777',
      groupNumber: 'BG-9',
      relationship: 'spouse',
      subscriber: { firstName: 'John', lastName: 'Doe', dateOfBirth: '1983-02-01', sex: 'M', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } },
    });
    expect(subscriberShown).toBe('John');
    // Removed, the rest of the coverage unchanged; then added again.
    expect(fieldsHidden).toBe(true);
    expect(removed).not.toHaveProperty('secondary');
    expect([removed.payerId, removed.groupNumber, removed.patient.firstName]).toEqual(['ACME1', 'GRP-99', 'Jane']);
    expect(tickedAfterRemoval).toBe(false);
    expect(added.secondary).toEqual({ ...secondary, subscriber: null });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('11. a secondary claim (made through the API) and its primary link each other; the secondary’s page sends the desk to the primary for payments, share and invoice instead of saying nothing is owed', async () => {
    // Prepare: ACME1's 835 processes CLM-A1 as primary (CLP02 1: $60 billed, $30 paid, $20 the patient's), then
    // Jane's secondary plan (step 10) is billed with it: CLM-A1-S.
    const era = [
      'ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*KNEADPAY       *261020*1200*^*00501*000000001*0*P*:',
      'GS*HP*ACMEHEALTH*KNEADPAY*20261020*1200*1*X*005010X221A1',
      'ST*835*0001*005010X221A1',
      'BPR*I*30*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20261020',
      'TRN*1*EFTA1*1512345678',
      'N1*PR*ACME HEALTH',
      'N1*PE*HARBOR BODYWORK*XX*1234567893',
      'LX*1',
      'CLP*CLM-A1*1*60*30*20*12*PAYER-A1',
      'NM1*QC*1*DOE*JANE****MI*XYZ123456789',
      'SVC*HC:97124*60*30**2',
      'DTM*472*20261002',
      'CAS*CO*45*10',
      'CAS*PR*1*20',
      'SE*13*0001',
      'GE*1*1',
      'IEA*1*000000001',
    ].join('~\n');
    const posted = await api('POST', `/practices/${practiceId}/remittances`, { practiceId, raw: `${era}~\n`, headers: { 'content-type': 'application/edi-x12' } });
    expect([posted.status, posted.body.matched]).toEqual([202, 1]);
    const made = await api('POST', `/practices/${practiceId}/claims`, { practiceId, body: { claimId: 'CLM-A1-S', secondaryOf: 'CLM-A1' } });
    expect([made.status, made.body.payerId]).toEqual([201, 'BEACON2']);

    // Act: the secondary's page, then its primary's
    await page.evaluate("location.hash = '#/claims/CLM-A1-S'");
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-A1-S' }).waitFor();
    await ready(page);
    const secondaryPage = await page.locator('main').innerText();
    await page.getByRole('link', { name: 'CLM-A1', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Claim CLM-A1' }).waitFor();
    await ready(page);
    const primaryPage = await page.locator('main').innerText();
    const toSecondary = await page.getByRole('link', { name: 'CLM-A1-S', exact: true }).getAttribute('href');

    // Assess: the secondary holds no money (docs/claims.md § Secondary claims): its page says where it is.
    expect(secondaryPage).toContain('Secondary claim of CLM-A1 (the visit’s claim, billed to its primary payer): the payers’ payments, the patient’s share and its invoice are on CLM-A1.');
    expect(secondaryPage).not.toContain('nothing is owed by the patient yet');
    expect(secondaryPage).toMatch(/State: ready · payer BEACON2/);
    expect(primaryPage).toContain('Secondary claim: CLM-A1-S, billed to the secondary plan’s payer.');
    expect(toSecondary).toBe('#/claims/CLM-A1-S');
    expect(dialogs).toEqual([]);
  });
});
