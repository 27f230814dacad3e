/**
 * The claims-out part of `kneadpay demo` (issue 18), kept apart from the main journey: the practice
 * completes its billing details, saves a payer and the client's coverage, registers a claim that
 * is ready for an 837P, makes the batch (and shows its CMS-1500), reads the clearinghouse's 999 and
 * the payer's 277CA, imports the 835, and the client pays the balance invoice: the claim closes.
 */
export interface ClaimsDemo {
  // The API's JSON answers, read field by field as the demo prints them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<any>;
  waitFor: <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number) => Promise<T>;
  eraFor: (claimId: string, trace?: string) => string;
  step: (n: number, text: string) => void;
  detail: (text: string) => void;
  api: string;
  practiceId: string;
  clientId: string;
  firstStep: number;
}

const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

const isa = (control: string) => `ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*1234567893     *261006*0900*^*00501*${control}*0*P*:`;

/** The clearinghouse's 999 accepting the batch's group (AK1-02 = GS06). */
export const demo999 = (groupControlNumber: string) =>
  [
    isa('000000901'),
    'GS*FA*CLEARINGHOUSE*1234567893*20261006*0900*901*X*005010X231A1',
    'ST*999*0001*005010X231A1',
    `AK1*HC*${groupControlNumber}*005010X222A1`,
    'AK2*837*0001*005010X222A1',
    'IK5*A',
    'AK9*A*1*1*1',
    'SE*6*0001',
    'GE*1*901',
    'IEA*1*000000901',
  ].join('~\n') + '~\n';

/** The payer's 277CA: the claim accepted into adjudication (A2:20) with its claim control number. */
export const demo277 = (claimId: string, payerClaimControlNumber: string) => {
  const body = [
    'ST*277*0001*005010X214',
    'BHT*0085*08*277CA-DEMO*20261006*0900*TH',
    'HL*1**20*1',
    'NM1*PR*2*ACME HEALTH*****PI*ACME1',
    'TRN*1*20261006',
    'DTP*050*D8*20261006',
    'DTP*009*D8*20261006',
    'HL*2*1*21*1',
    'NM1*41*2*CALM HANDS MASSAGE*****46*1234567893',
    'TRN*2*BATCH',
    'STC*A1:19:PR*20261006*WQ*130',
    'HL*3*2*19*1',
    'NM1*85*2*CALM HANDS MASSAGE*****XX*1234567893',
    'HL*4*3*PT',
    'NM1*QC*1*DOE*JANE****MI*XYZ123456789',
    `TRN*2*${claimId}`,
    'STC*A2:20:PR*20261006*WQ*130',
    `REF*1K*${payerClaimControlNumber}`,
    'DTP*472*D8*20261002',
  ];
  return [isa('000000902'), 'GS*HN*CLEARINGHOUSE*1234567893*20261006*0900*902*X*005010X214', ...body, `SE*${body.length + 1}*0001`, 'GE*1*902', 'IEA*1*000000902'].join('~\n') + '~\n';
};

export const claimsOutJourney = async (d: ClaimsDemo): Promise<void> => {
  const { call, practiceId, clientId } = d;
  let n = d.firstStep;
  d.step(n++, 'Claims out: the practice completes its billing provider details (taxonomy, ZIP+4), a payer and the client’s coverage');
  const profile = await call('GET', `/practices/${practiceId}`);
  const keep = ['name', 'email', 'phone', 'taxId', 'npi', 'licenseNumber', 'timezone', 'currency', 'stripeAccountId', 'billing', 'receipts'];
  await call('PUT', `/practices/${practiceId}`, {
    ...Object.fromEntries(keep.filter((k) => profile[k] !== undefined).map((k) => [k, profile[k]])),
    address: { ...(profile.address ?? { line1: '12 Alder St', city: 'Portland', state: 'OR' }), postalCode: '97205-1234' },
    taxonomyCode: '225700000X',
  });
  await call('PUT', `/practices/${practiceId}/payers/ACME1`, { name: 'Acme Health', payerId: 'ACME1', address: { line1: 'PO Box 100', city: 'Hartford', state: 'CT', postalCode: '06101' } });
  await call('PUT', `/practices/${practiceId}/clients/${clientId}/coverage`, {
    payerId: 'ACME1',
    memberId: 'XYZ123456789',
    groupNumber: 'GRP-77',
    relationship: 'self',
    patient: { firstName: 'Jane', lastName: 'Doe', dateOfBirth: '1985-04-12', sex: 'F', address: { line1: '22 Elm St', city: 'Portland', state: 'OR', postalCode: '97202' } },
  });
  d.detail('payer ACME1 (Acme Health); coverage: member XYZ123456789, group GRP-77, the client is the subscriber');

  d.step(n++, 'A claim is registered for the payer, with the rendering therapist: kneadpay checks it against the 837P before anything leaves');
  const claimId = `CLM-${Date.now().toString().slice(-6)}P`;
  const claim = await call('POST', `/practices/${practiceId}/claims`, {
    claimId,
    clientId,
    payerId: 'ACME1',
    renderingProvider: { firstName: 'Mia', lastName: 'Therapist', npi: '1245319599' },
    dateOfService: '2026-10-02',
    placeOfService: '11',
    diagnosisCodes: ['M54.2'],
    lines: [
      { procedureCode: '97124', modifiers: ['GP'], minutes: 30, chargeCents: 6000 },
      { procedureCode: '97140', modifiers: ['GP'], minutes: 25, chargeCents: 7000 },
    ],
  });
  d.detail(`${claim.claimId}: ${claim.state}${claim.problems?.length ? ` — ${claim.problems.map((p: { message: string }) => p.message).join('; ')}` : ''}`);

  d.step(n++, 'An 837P batch is made for the clearinghouse (and the same claim as a CMS-1500 for paper payers)');
  const batch = await call('POST', `/practices/${practiceId}/claim-batches`, { claimIds: [claimId] });
  const x12 = String(await call('GET', `/practices/${practiceId}/claim-batches/${batch.batchId}`, undefined, { accept: 'application/edi-x12' }));
  d.detail(`batch ${batch.batchId}, interchange ${batch.interchangeControlNumber}: ${batch.claims.join(', ')}${batch.refused.length ? `; refused ${batch.refused.length}` : ''}`);
  d.detail(
    `${x12.split('~').filter((segment) => segment.trim()).length} segments: ${x12
      .split('~\n')
      .filter((segment) => /^(ST|CLM|SV1|SE)\*/.test(segment))
      .join('  ')}`,
  );
  d.detail(`837P file: GET ${d.api}/practices/${practiceId}/claim-batches/${batch.batchId} (Accept: application/edi-x12), or: npx kneadpay claims export --practice ${practiceId}`);
  d.detail(`CMS-1500: GET ${d.api}/practices/${practiceId}/claims/${claimId}/cms1500`);

  d.step(n++, 'The clearinghouse’s 999 and the payer’s 277CA come back');
  const ack = await call('POST', `/practices/${practiceId}/acknowledgements`, demo999(String(Number(batch.interchangeControlNumber))), { 'content-type': 'application/edi-x12' });
  d.detail(`999: accepted ${ack.accepted.join(', ') || 'none'}; rejected ${ack.rejected.length}`);
  const ca = await call('POST', `/practices/${practiceId}/acknowledgements`, demo277(claimId, 'PAYER-88'), { 'content-type': 'application/edi-x12' });
  d.detail(`277CA: accepted ${ca.accepted.join(', ') || 'none'}; rejected ${ca.rejected.map((r: { claimId: string; reason: string }) => `${r.claimId} (${r.reason})`).join(', ') || 'none'}`);
  d.detail(`claim ${claimId}: ${(await call('GET', `/practices/${practiceId}/claims/${claimId}`)).state}`);

  d.step(n++, 'The payer’s 835 adjudicates it; the balance is invoiced');
  const remittance = await call('POST', `/practices/${practiceId}/remittances`, d.eraFor(claimId, `EFT${claimId.replace(/\D/g, '').slice(-6)}P`), { 'content-type': 'application/edi-x12' });
  d.detail(`${remittance.remittanceId}: ${remittance.matched} matched`);
  const invoiced = await d.waitFor('the balance invoice of the 837P claim', async () => {
    const view = await call('GET', `/practices/${practiceId}/claims/${claimId}`);
    return view.invoice?.hostedInvoiceUrl ? view : undefined;
  });
  d.detail(`claim ${invoiced.state}; patient responsibility ${money(invoiced.patientResponsibilityCents)}; invoice ${invoiced.invoice.invoiceId}: ${invoiced.invoice.hostedInvoiceUrl}`);

  d.step(n++, 'The client pays; the claim closes');
  const paid = await fetch(`${invoiced.invoice.hostedInvoiceUrl}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded' }),
  });
  if (!paid.ok) throw new Error(`the emulated invoice page did not take the payment (${paid.status})`);
  const closed = await d.waitFor('the claim to close', async () => {
    const view = await call('GET', `/practices/${practiceId}/claims/${claimId}`);
    return view.state === 'closed' ? view : undefined;
  });
  d.detail(`claim ${claimId}: ${closed.state} (invoice ${closed.invoice.status})`);
};
