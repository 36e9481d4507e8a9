import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The interactive reference at /api/docs: Swagger UI from its npm package
 * (`swagger-ui-dist`), over /api/openapi.json. Nothing comes from a CDN: the
 * page loads its script and styles from /api/docs/{asset}, and "try it out"
 * calls the same origin (the document's `servers` is relative).
 */

/**
 * The page's own script, served as an asset so that the policy needs no
 * inline script. Paths are relative to /api/docs. No validator badge: it
 * would send the document to validator.swagger.io.
 */
const initializer = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayOperationId: true,
  validatorUrl: null,
});
`;

/** Served from the package as is; the page's initializer is ours. */
const packaged = { 'swagger-ui-bundle.js': 'text/javascript', 'swagger-ui.css': 'text/css' } as const;

export const docsAssetNames = [...(Object.keys(packaged) as (keyof typeof packaged)[]), 'docs.js'] as const;
type DocsAsset = (typeof docsAssetNames)[number];

/**
 * What the page may load: its scripts and styles from here, and requests to
 * this origin only. Swagger UI sets inline `style` attributes and renders
 * Markdown through DOMPurify into innerHTML (no Trusted Types policy), and
 * its icons are data: URIs.
 */
export const docsPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PaieCashFan API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/docs.js"></script>
</body>
</html>
`;

const read = (file: string) =>
  // Resolved at run time from the function's own node_modules (serverless.yml packages these two files with it).
  readFileSync(createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`), 'utf8');

const loaded = new Map<DocsAsset, { type: string; body: string }>();

const isAsset = (name: string): name is DocsAsset => (docsAssetNames as readonly string[]).includes(name);

/** An asset's content type and text, read once per container; undefined for a name that is none. */
export const docsAsset = (name: string) => {
  if (!isAsset(name)) return undefined;
  let asset = loaded.get(name);
  if (!asset) {
    asset = name === 'docs.js' ? { type: 'text/javascript', body: initializer } : { type: packaged[name], body: read(name) };
    loaded.set(name, asset);
  }
  return asset;
};
