// The two modules of `qrcode` that make an SVG, imported alone: its main
// entry also brings the PNG renderer and pngjs, which no function here needs.
declare module 'qrcode/lib/core/qrcode.js' {
  export type QRCode = { modules: { size: number; data: Uint8Array } };
  export function create(text: string, options: { errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H' }): QRCode;
}
declare module 'qrcode/lib/renderer/svg-tag.js' {
  import type { QRCode } from 'qrcode/lib/core/qrcode.js';
  export function render(qr: QRCode, options: { margin?: number }): string;
}
