import { publicApi } from '../../lib/http/api';
import { notFound } from '../../lib/http/problem';
import { docsAsset } from '../../lib/openapi/docs';
import { docsAssetRoute } from '../../lib/openapi/route';

export const handler = publicApi(docsAssetRoute, async ({ params }) => {
  const asset = docsAsset(params.asset);
  if (!asset) throw notFound(`No asset ${params.asset} in the reference.`);
  return { status: 200, raw: asset.body, headers: { 'Content-Type': `${asset.type}; charset=utf-8`, 'Cache-Control': 'public, max-age=3600' } };
});
