/**
 * The receipt as a PDF, laid out as a superbill: practice and identifiers, patient, payment, the
 * service lines with codes and amounts, totals and status. Built with pdfkit's standard Helvetica
 * (no font files of ours), from the stored snapshot only.
 */
import type { ReceiptDocument } from '../domain/receipt';
import { formatMoney } from './html';
import { renderPdf, type PdfDocument } from './pdf';
import { formatDate, statementNote, packageRow, paymentFacts, practiceIdentifiers, SERVICE_COLUMNS, serviceRow, statusLabel, totalRows } from './receipt-render';

const MARGIN = 50;
const INK = '#1d2a2f';
const MUTED = '#5b6b70';
const RULE = '#b9c6c4';

type Doc = PdfDocument;

interface Column {
  width: number;
  align: 'left' | 'right';
}

const contentWidth = (doc: Doc) => doc.page.width - MARGIN * 2;

const ensureRoom = (doc: Doc, height: number) => {
  if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
};

const rule = (doc: Doc, weight = 0.75, color = RULE) => {
  doc
    .moveTo(MARGIN, doc.y)
    .lineTo(MARGIN + contentWidth(doc), doc.y)
    .lineWidth(weight)
    .strokeColor(color)
    .stroke();
  doc.moveDown(0.4);
};

/** One row of cells at fixed columns; each cell on one line (cells are short: codes, dates, amounts). */
const row = (doc: Doc, cells: string[], columns: Column[], opts: { bold?: boolean; color?: string } = {}) => {
  ensureRoom(doc, 16);
  const y = doc.y;
  let x = MARGIN;
  doc
    .font(opts.bold ? 'Helvetica-Bold' : 'Helvetica')
    .fontSize(9)
    .fillColor(opts.color ?? INK);
  cells.forEach((cell, i) => {
    const column = columns[i]!;
    doc.text(cell, x + 2, y, { width: column.width - 4, align: column.align, lineBreak: false, ellipsis: true });
    x += column.width;
  });
  doc.x = MARGIN;
  doc.y = y + 14;
};

const labelled = (doc: Doc, rows: [string, string][], labelWidth = 130) => {
  for (const [label, value] of rows) {
    ensureRoom(doc, 14);
    const y = doc.y;
    doc
      .font('Helvetica')
      .fontSize(10)
      .fillColor(MUTED)
      .text(label, MARGIN, y, { width: labelWidth - 8, lineBreak: false });
    doc.fillColor(INK).text(value, MARGIN + labelWidth, y, { width: contentWidth(doc) - labelWidth });
    doc.x = MARGIN;
  }
};

const scaled = (doc: Doc, widths: number[], aligns: Column['align'][]): Column[] => {
  const total = widths.reduce((sum, width) => sum + width, 0);
  return widths.map((width, i) => ({ width: (width / total) * contentWidth(doc), align: aligns[i] ?? 'left' }));
};

const header = (doc: Doc, document: ReceiptDocument) => {
  const practice = document.practice;
  const width = contentWidth(doc);
  doc.font('Helvetica-Bold').fontSize(14).fillColor(INK).text(document.title, MARGIN, doc.y, { width });
  doc.moveDown(0.2);
  rule(doc, 1.5, INK);

  const top = doc.y;
  const left = width * 0.62;
  doc.font('Helvetica-Bold').fontSize(13).text(practice.name, MARGIN, top, { width: left });
  doc.font('Helvetica').fontSize(10);
  for (const line of practice.addressLines) doc.text(line, { width: left });
  if (practice.phone) doc.text(`Phone ${practice.phone}`, { width: left });
  if (practice.email) doc.text(practice.email, { width: left });
  for (const [label, value] of practiceIdentifiers(document)) doc.text(`${label}: ${value}`, { width: left });
  const leftBottom = doc.y;

  const right = width - left;
  doc
    .font('Helvetica-Bold')
    .fontSize(12)
    .text(`Receipt ${document.number}`, MARGIN + left, top, { width: right, align: 'right' });
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor(MUTED)
    .text(`Issued ${formatDate(document.issuedAt, practice.timezone)}`, { width: right, align: 'right' });
  doc.fillColor(INK);
  doc.x = MARGIN;
  doc.y = Math.max(leftBottom, doc.y) + 8;
  rule(doc);
};

/** Renders the receipt PDF; resolves with its bytes. */
export const renderReceiptPdf = (document: ReceiptDocument): Promise<Buffer> =>
  renderPdf(
    {
      size: 'LETTER',
      margin: MARGIN,
      info: { Title: `${document.title} ${document.number}`, Author: document.practice.name, Subject: `Receipt ${document.number}` },
    },
    (doc) => {
      header(doc, document);
      labelled(doc, paymentFacts(document));
      doc.moveDown(0.8);

      if (document.claim) {
        const columns = scaled(doc, [78, 34, 42, 56, 34, 84, 84, 100], ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right']);
        doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text('Services', MARGIN);
        doc.moveDown(0.3);
        row(doc, [...SERVICE_COLUMNS], columns, { bold: true });
        rule(doc);
        for (const line of document.claim.lines) row(doc, serviceRow(document, line), columns);
        if (document.claim.claimLevelPatientCents !== 0) {
          row(doc, ['Claim-level patient portion', '', '', '', '', '', '', formatMoney(document.claim.claimLevelPatientCents, document.currency)], columns);
        }
        rule(doc);
      }
      if (document.package) {
        const pkg = document.package;
        doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text('Session package', MARGIN);
        doc.moveDown(0.3);
        if (document.kind === 'package') {
          const columns = scaled(doc, [220, 90, 110, 92], ['left', 'left', 'left', 'right']);
          row(doc, ['Item', 'Service code', 'Sessions', 'Amount'], columns, { bold: true });
          rule(doc);
          row(doc, packageRow(document), columns);
          rule(doc);
        } else {
          doc.font('Helvetica').fontSize(10).text(pkg.name, MARGIN);
        }
        doc.font('Helvetica').fontSize(10).fillColor(INK).text(`Sessions: ${pkg.usageText}`, MARGIN);
        if (document.refund && document.refund.creditsRemoved > 0) doc.text(`Sessions cancelled by this refund: ${document.refund.creditsRemoved}`, MARGIN);
        doc.moveDown(0.5);
      }

      const totalsColumns: Column[] = [
        { width: contentWidth(doc) - 120, align: 'right' },
        { width: 120, align: 'right' },
      ];
      doc.moveDown(0.4);
      for (const [label, value] of totalRows(document)) row(doc, [label, value], totalsColumns);
      doc.moveDown(0.3);
      ensureRoom(doc, 20);
      doc
        .font('Helvetica-Bold')
        .fontSize(13)
        .fillColor(INK)
        .text(statusLabel(document), MARGIN, doc.y, { width: contentWidth(doc), align: 'right' });
      if (document.kind !== 'refund') {
        doc.moveDown(1.2);
        doc
          .font('Helvetica')
          .fontSize(9)
          .fillColor(MUTED)
          .text(statementNote(document), MARGIN, doc.y, { width: contentWidth(doc) });
      }
    },
  );
