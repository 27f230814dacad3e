import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReceiptDocument } from '../../functions/domain/receipt';
import { balanceInvoiceEmail, balanceReminderEmail, receiptSubject } from '../../functions/shared/email';

/**
 * Email copy in one place (issue 15, point 2): every email kneadpay sends gets its subject, HTML
 * and text from functions/shared/email/copy.ts, so the words (and the PHI rule on them) are
 * reviewed in one file.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const COPY = 'functions/shared/email/copy.ts';

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

describe('email copy in one place', () => {
  it('no file under functions/ but email/copy.ts writes an email subject', () => {
    // Prepare: an email's words are an object with a `subject:` given as a string or template.
    const subjectLiteral = /\bsubject:\s*[`'"]/;

    // Act
    const writers = sourceFiles('functions')
      .map((file) => relative(ROOT, join(ROOT, file)))
      .filter((file) => subjectLiteral.test(readFileSync(join(ROOT, file), 'utf8')));

    // Assess
    expect(writers).toEqual([COPY]);
  });

  it('subjects name the practice and nothing clinical, on one line', () => {
    // Prepare
    const practice = { name: 'Knead\r\nBodywork', email: 'front@knead.example', phone: null };
    const client = { name: 'Ada Client' };
    const invoice = { amountDueCents: 3400, amountPaidCents: 0, currency: 'usd', dueAt: '2026-12-20T00:00:00.000Z', hostedInvoiceUrl: 'https://invoice.example/i/1' };
    const receipt = { kind: 'refund', practice: { name: 'Knead\r\nBodywork' } } as unknown as ReceiptDocument;

    // Act
    const subjects = [balanceInvoiceEmail(practice, client, invoice).subject, balanceReminderEmail(practice, client, invoice).subject, receiptSubject(receipt)];

    // Assess: the words as they have always been (the sender puts every subject on one line).
    expect(subjects).toEqual(['Your balance with Knead\r\nBodywork', 'Reminder: your balance with Knead\r\nBodywork', 'Your refund receipt from Knead Bodywork']);
    expect(balanceInvoiceEmail(practice, client, invoice).text).toContain('The remaining balance with Knead\r\nBodywork is $34.00, due 2026-12-20.');
    expect(balanceReminderEmail(practice, client, invoice).text).toContain('A balance of $34.00 with Knead\r\nBodywork is past due.');
  });
});
