import { describe, expect, it } from 'vitest';
import { disputeThresholdCents, estimateTiming, priceLines, type Estimate } from '../../functions/domain/estimate';
import { renderEstimatePage } from '../../functions/shared/estimate-render';

const priced = priceLines([{ serviceCode: '97124', description: 'Massage, 60 minutes', quantity: 4, unitChargeCents: 9000 }]);

const estimate: Estimate = {
  estimateId: 'gfe_1',
  practiceId: 'p1',
  clientId: 'c1',
  patient: { name: 'Jane Doe', dateOfBirth: '1980-04-02' },
  primaryService: 'Massage therapy, 60 minutes, weekly',
  scheduledOn: '2026-11-23',
  serviceDate: '2026-12-07',
  coversThrough: null,
  diagnosisCodes: ['M54.2'],
  lines: priced.lines,
  totalCents: priced.totalCents,
  currency: 'usd',
  disputeThresholdCents: disputeThresholdCents(priced.totalCents),
  timing: estimateTiming('2026-11-23', '2026-12-07'),
  provider: { name: 'Calm Hands Massage', npi: '1234567893', taxId: '12-3456789', address: null, phone: null, email: 'desk@example.test' },
  issuedAt: '2026-11-23T15:00:00.000Z',
};

/** The page's text with tags removed and whitespace folded, as a reader sees it. */
const readable = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('the Good Faith Estimate page (45 CFR §149.610(c)(1))', () => {
  it('(x): the dispute notice says that starting a dispute will not adversely affect the quality of the care given', () => {
    // Act
    const text = readable(renderEstimatePage(estimate));

    // Assess: the rule asks the disclaimer to "state that the initiation of the patient-provider
    // dispute resolution process will not adversely affect the quality of health care services
    // furnished" to the individual.
    expect(text).toMatch(/starting the dispute resolution process will not adversely affect the quality of the health care services/i);
  });
});
