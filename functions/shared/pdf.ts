import type PDFKit from 'pdfkit';

/** A pdfkit document, as the PDF renderers draw on it. */
export type PdfDocument = PDFKit.PDFDocument;

/**
 * Draws one PDF with pdfkit and resolves with its bytes. pdfkit (about 900 KB bundled, with its
 * font and layout packages) is imported here, on the first PDF, not when the function starts:
 * the receipt page serves HTML far more often than PDF, and deployed, pdfkit is a bundle of its own
 * beside index.mjs (`pdfkitBeside` in lib/constructs/KneadpayFunction.ts), so a cold start does
 * not parse it.
 */
export const renderPdf = async (options: PDFKit.PDFDocumentOptions, draw: (doc: PdfDocument) => void): Promise<Buffer> => {
  const { default: PDFDocument } = await import('pdfkit');
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument(options);
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      draw(doc);
      doc.end();
    } catch (error) {
      reject(error);
    }
  });
};
