import { create } from 'qrcode/lib/core/qrcode.js';
import { render } from 'qrcode/lib/renderer/svg-tag.js';

/** Text as a scannable SVG QR code (error correction M, as printed tickets and carriers use). */
export const qrSvg = (text: string): string => render(create(text, { errorCorrectionLevel: 'M' }), { margin: 2 });
