/**
 * The CMS-1500 (02/12) as a PDF, laid out like the NUCC form: the carrier block at the top right,
 * patient and insured items 1–13 in two columns, physician or supplier items 14–23, the six
 * service lines of item 24 (A–J) and items 25–33 at the foot. Each box carries its NUCC item
 * number and caption; values are printed in Courier upper case as on a typed form. The geometry
 * follows the form's order and proportions on a US Letter page; it is not calibrated to print
 * into the boxes of pre-printed red forms (see docs/claims.md).
 */
import { renderPdf, type PdfDocument } from './pdf';
import type { Cms1500Page } from '../domain/cms1500';

type Doc = PdfDocument;
const RED = '#b22222';
const INK = '#000000';
const LEFT = 20;
const RIGHT = 592;

interface Box {
  item: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const ROW = 26;
const top = 96;
const r = (n: number) => top + n * ROW;
const COL1 = LEFT;
const COL2 = 230;
const COL3 = 370;

/** Items 1–23 and 25–33 with their NUCC captions. */
const BOXES: Box[] = [
  { item: '1', label: '1. MEDICARE MEDICAID TRICARE CHAMPVA GROUP HEALTH PLAN FECA BLK LUNG OTHER', x: COL1, y: r(0), w: COL3 - COL1, h: ROW },
  { item: '1a', label: "1a. INSURED'S I.D. NUMBER", x: COL3, y: r(0), w: RIGHT - COL3, h: ROW },
  { item: '2', label: "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)", x: COL1, y: r(1), w: COL2 - COL1, h: ROW },
  { item: '3', label: "3. PATIENT'S BIRTH DATE / SEX", x: COL2, y: r(1), w: COL3 - COL2, h: ROW },
  { item: '4', label: "4. INSURED'S NAME (Last Name, First Name, Middle Initial)", x: COL3, y: r(1), w: RIGHT - COL3, h: ROW },
  { item: '5', label: "5. PATIENT'S ADDRESS (No., Street) CITY STATE ZIP CODE", x: COL1, y: r(2), w: COL2 - COL1, h: ROW * 2 },
  { item: '6', label: '6. PATIENT RELATIONSHIP TO INSURED', x: COL2, y: r(2), w: COL3 - COL2, h: ROW },
  { item: '7', label: "7. INSURED'S ADDRESS (No., Street) CITY STATE ZIP CODE", x: COL3, y: r(2), w: RIGHT - COL3, h: ROW * 2 },
  { item: '8', label: '8. RESERVED FOR NUCC USE', x: COL2, y: r(3), w: COL3 - COL2, h: ROW },
  { item: '9', label: "9. OTHER INSURED'S NAME", x: COL1, y: r(4), w: COL2 - COL1, h: ROW },
  { item: '10', label: "10. IS PATIENT'S CONDITION RELATED TO:", x: COL2, y: r(4), w: COL3 - COL2, h: ROW },
  { item: '11', label: "11. INSURED'S POLICY GROUP OR FECA NUMBER", x: COL3, y: r(4), w: RIGHT - COL3, h: ROW },
  { item: '9a', label: "9a. OTHER INSURED'S POLICY OR GROUP NUMBER", x: COL1, y: r(5), w: COL2 - COL1, h: ROW },
  { item: '10a', label: '10a. EMPLOYMENT? (Current or Previous)', x: COL2, y: r(5), w: COL3 - COL2, h: ROW },
  { item: '11a', label: "11a. INSURED'S DATE OF BIRTH / SEX", x: COL3, y: r(5), w: RIGHT - COL3, h: ROW },
  { item: '9b', label: '9b. RESERVED FOR NUCC USE', x: COL1, y: r(6), w: COL2 - COL1, h: ROW },
  { item: '10b', label: '10b. AUTO ACCIDENT?', x: COL2, y: r(6), w: COL3 - COL2, h: ROW },
  { item: '11b', label: '11b. OTHER CLAIM ID (Designated by NUCC)', x: COL3, y: r(6), w: RIGHT - COL3, h: ROW },
  { item: '9c', label: '9c. RESERVED FOR NUCC USE', x: COL1, y: r(7), w: COL2 - COL1, h: ROW },
  { item: '10c', label: '10c. OTHER ACCIDENT?', x: COL2, y: r(7), w: COL3 - COL2, h: ROW },
  { item: '11c', label: '11c. INSURANCE PLAN NAME OR PROGRAM NAME', x: COL3, y: r(7), w: RIGHT - COL3, h: ROW },
  { item: '9d', label: '9d. INSURANCE PLAN NAME OR PROGRAM NAME', x: COL1, y: r(8), w: COL2 - COL1, h: ROW },
  { item: '10d', label: '10d. CLAIM CODES (Designated by NUCC)', x: COL2, y: r(8), w: COL3 - COL2, h: ROW },
  { item: '11d', label: '11d. IS THERE ANOTHER HEALTH BENEFIT PLAN?', x: COL3, y: r(8), w: RIGHT - COL3, h: ROW },
  { item: '12', label: "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE / DATE", x: COL1, y: r(9), w: COL3 - COL1, h: ROW },
  { item: '13', label: "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE", x: COL3, y: r(9), w: RIGHT - COL3, h: ROW },
  { item: '14', label: '14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)', x: COL1, y: r(10), w: COL2 - COL1, h: ROW },
  { item: '15', label: '15. OTHER DATE', x: COL2, y: r(10), w: COL3 - COL2, h: ROW },
  { item: '16', label: '16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION', x: COL3, y: r(10), w: RIGHT - COL3, h: ROW },
  { item: '17', label: '17. NAME OF REFERRING PROVIDER OR OTHER SOURCE', x: COL1, y: r(11), w: COL2 - COL1, h: ROW },
  { item: '17b', label: '17b. NPI', x: COL2, y: r(11), w: COL3 - COL2, h: ROW },
  { item: '18', label: '18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES', x: COL3, y: r(11), w: RIGHT - COL3, h: ROW },
  { item: '19', label: '19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)', x: COL1, y: r(12), w: COL3 - COL1, h: ROW },
  { item: '20', label: '20. OUTSIDE LAB? $ CHARGES', x: COL3, y: r(12), w: RIGHT - COL3, h: ROW },
  { item: '21', label: '21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY Relate A-L to service line below (24E)', x: COL1, y: r(13), w: COL3 - COL1, h: ROW * 2 },
  { item: '22', label: '22. RESUBMISSION CODE / ORIGINAL REF. NO.', x: COL3, y: r(13), w: RIGHT - COL3, h: ROW },
  { item: '23', label: '23. PRIOR AUTHORIZATION NUMBER', x: COL3, y: r(14), w: RIGHT - COL3, h: ROW },
];

const LINES_TOP = r(15);
const LINE_HEIGHT = 22;
/** Item 24 columns A–J. */
const COLUMNS_24 = [
  { key: '24A', label: '24A. DATE(S) OF SERVICE From / To', x: 20, w: 110 },
  { key: '24B', label: 'B. PLACE OF SERVICE', x: 130, w: 40 },
  { key: '24C', label: 'C. EMG', x: 170, w: 25 },
  { key: '24D', label: 'D. PROCEDURES, SERVICES, OR SUPPLIES CPT/HCPCS MODIFIER', x: 195, w: 135 },
  { key: '24E', label: 'E. DIAGNOSIS POINTER', x: 330, w: 50 },
  { key: '24F', label: 'F. $ CHARGES', x: 380, w: 65 },
  { key: '24G', label: 'G. DAYS OR UNITS', x: 445, w: 35 },
  { key: '24H', label: 'H. EPSDT', x: 480, w: 22 },
  { key: '24I', label: 'I. ID QUAL.', x: 502, w: 22 },
  { key: '24J', label: 'J. RENDERING PROVIDER ID. #', x: 524, w: 68 },
];
const FOOT = LINES_TOP + 26 + 6 * LINE_HEIGHT + 4;

const FOOT_BOXES: Box[] = [
  { item: '25', label: '25. FEDERAL TAX I.D. NUMBER SSN EIN', x: 20, y: FOOT, w: 130, h: ROW },
  { item: '26', label: "26. PATIENT'S ACCOUNT NO.", x: 150, y: FOOT, w: 110, h: ROW },
  { item: '27', label: '27. ACCEPT ASSIGNMENT?', x: 260, y: FOOT, w: 80, h: ROW },
  { item: '28', label: '28. TOTAL CHARGE', x: 340, y: FOOT, w: 85, h: ROW },
  { item: '29', label: '29. AMOUNT PAID', x: 425, y: FOOT, w: 85, h: ROW },
  { item: '30', label: '30. Rsvd for NUCC Use', x: 510, y: FOOT, w: 82, h: ROW },
  { item: '31', label: '31. SIGNATURE OF PHYSICIAN OR SUPPLIER', x: 20, y: FOOT + ROW, w: 170, h: ROW * 2 },
  { item: '32', label: '32. SERVICE FACILITY LOCATION INFORMATION', x: 190, y: FOOT + ROW, w: 200, h: ROW * 1.5 },
  { item: '33', label: '33. BILLING PROVIDER INFO & PH #', x: 390, y: FOOT + ROW, w: 202, h: ROW * 1.5 },
  { item: '32a', label: '32a. NPI', x: 190, y: FOOT + ROW * 2.5, w: 100, h: ROW * 0.9 },
  { item: '32b', label: '32b.', x: 290, y: FOOT + ROW * 2.5, w: 100, h: ROW * 0.9 },
  { item: '33a', label: '33a. NPI', x: 390, y: FOOT + ROW * 2.5, w: 101, h: ROW * 0.9 },
  { item: '33b', label: '33b.', x: 491, y: FOOT + ROW * 2.5, w: 101, h: ROW * 0.9 },
];

const drawBox = (doc: Doc, box: Box, value: string | undefined) => {
  doc.lineWidth(0.5).strokeColor(RED).rect(box.x, box.y, box.w, box.h).stroke();
  doc
    .font('Helvetica')
    .fontSize(5)
    .fillColor(RED)
    .text(box.label, box.x + 2, box.y + 1.5, { width: box.w - 4, lineBreak: false, ellipsis: true });
  if (value) {
    doc
      .font('Courier')
      .fontSize(box.h > ROW ? 7.5 : 8)
      .fillColor(INK)
      .text(value, box.x + 3, box.y + 9, { width: box.w - 6, height: box.h - 10, ellipsis: true });
  }
};

const drawPage = (doc: Doc, page: Cms1500Page, carrier: string[]) => {
  doc.font('Helvetica-Bold').fontSize(12).fillColor(RED).text('HEALTH INSURANCE CLAIM FORM', LEFT, 40, { lineBreak: false });
  doc.font('Helvetica').fontSize(6).fillColor(RED).text('APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12', LEFT, 56, { lineBreak: false });
  doc.text(`PAGE ${page.page} OF ${page.pages}`, LEFT, 66, { lineBreak: false });
  doc.font('Courier').fontSize(8).fillColor(INK);
  carrier.forEach((line, i) => doc.text(line, COL3, 30 + i * 10, { width: RIGHT - COL3, lineBreak: false, ellipsis: true }));
  doc
    .font('Helvetica')
    .fontSize(6)
    .fillColor(RED)
    .text('CARRIER', RIGHT - 40, 30, { lineBreak: false });
  for (const box of BOXES) drawBox(doc, box, page.items[box.item]);
  // Item 24: six lines, shaded supplemental halves left empty.
  doc
    .lineWidth(0.5)
    .strokeColor(RED)
    .rect(LEFT, LINES_TOP, RIGHT - LEFT, 26 + 6 * LINE_HEIGHT)
    .stroke();
  for (const column of COLUMNS_24) {
    doc.rect(column.x, LINES_TOP, column.w, 26 + 6 * LINE_HEIGHT).stroke();
    doc
      .font('Helvetica')
      .fontSize(4.6)
      .fillColor(RED)
      .text(column.label, column.x + 1.5, LINES_TOP + 2, { width: column.w - 3, height: 22 });
  }
  for (let n = 0; n < 6; n += 1) {
    const y = LINES_TOP + 26 + n * LINE_HEIGHT;
    doc.moveTo(LEFT, y).lineTo(RIGHT, y).stroke();
    doc
      .font('Helvetica-Bold')
      .fontSize(7)
      .fillColor(RED)
      .text(String(n + 1), LEFT - 10, y + 11, { lineBreak: false });
    const line = page.lines[n];
    if (!line) continue;
    const cells: Record<string, string> = {
      '24A': `${line.from} ${line.to}`,
      '24B': line.placeOfService,
      '24D': [line.procedureCode, ...line.modifiers].join(' '),
      '24E': line.diagnosisPointer,
      '24F': line.charges,
      '24G': line.units,
      '24I': line.renderingNpi ? 'NPI' : '',
      '24J': line.renderingNpi,
    };
    // The shaded upper half: 24I's qualifier and 24J's other id (the rendering taxonomy).
    const shaded: Record<string, string> = { '24I': line.renderingQualifier, '24J': line.renderingOtherId };
    doc.font('Courier').fontSize(8).fillColor(INK);
    for (const column of COLUMNS_24) {
      const value = cells[column.key];
      if (value) doc.text(value, column.x + 2, y + 11, { width: column.w - 4, lineBreak: false, ellipsis: true });
      const top = shaded[column.key];
      if (top) doc.text(top, column.x + 2, y + 2, { width: column.w - 4, lineBreak: false, ellipsis: true });
    }
  }
  for (const box of FOOT_BOXES) drawBox(doc, box, page.items[box.item]);
};

/** The form (one page per 6 service lines) as PDF bytes. `carrier` is the payer's name and address block. */
export const renderCms1500Pdf = (form: { claimId: string; pages: Cms1500Page[]; carrier?: string[] }): Promise<Buffer> =>
  renderPdf({ size: 'LETTER', margin: 0, info: { Title: `CMS-1500 ${form.claimId}`, Producer: 'kneadpay' } }, (doc) =>
    form.pages.forEach((page, i) => {
      if (i > 0) doc.addPage({ size: 'LETTER', margin: 0 });
      drawPage(doc, page, form.carrier ?? []);
    }),
  );
