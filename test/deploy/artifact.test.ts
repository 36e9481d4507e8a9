/**
 * What `serverless deploy` would hand CloudFormation, checked before anything
 * is deployed: the template and zips that `serverless package` writes (run
 * once, into a temporary folder), against serverless.yml and lib/routes.ts.
 * A deployed stage cannot be packaged here (its settings come from SSM), so
 * the rules for its settings are checked on serverless.yml itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { routes } from '../../lib/routes';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ymlText = readFileSync(join(root, 'serverless.yml'), 'utf8');

type Event = { httpApi?: string | { method: string; path: string }; websocket?: { route: string }; schedule?: string | { rate: string | string[]; enabled?: boolean } };
type Fn = { handler: string; events?: Event[]; memorySize?: number; timeout?: number; runtime?: string; architecture?: string; logRetentionInDays?: number };
type Service = {
  service: string;
  provider: {
    runtime: string;
    architecture: string;
    memorySize: number;
    timeout: number;
    logRetentionInDays: number;
    httpApi: { cors: { allowedHeaders: string[]; exposedResponseHeaders: string[]; maxAge: number } };
  };
  params: Record<string, Record<string, unknown>>;
  custom: { esbuild: { target: string; outputFileExtension?: string } };
  functions: Record<string, Fn>;
};
const yml = parse(ymlText) as Service;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

/** `httpApi: { method, path }`, its short form `'GET /path'`, or `'*'`, as the RouteKey API Gateway gets. */
const routeKey = (event: NonNullable<Event['httpApi']>) =>
  typeof event === 'object' ? `${event.method.toUpperCase()} ${event.path}` : event === '*' ? '$default' : event.trim().replace(/\s+/, ' ');

const scheduleExpressions = (event: NonNullable<Event['schedule']>) => (typeof event === 'string' ? [event] : [event.rate].flat());

/** The trigger serverless.yml gives each function, by kind: RouteKey or schedule expression → function. */
const declared = (kind: 'http' | 'websocket' | 'schedule') =>
  new Map(
    Object.entries(yml.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).flatMap((e): [string, string][] => {
        if (kind === 'http' && e.httpApi) return [[routeKey(e.httpApi), name]];
        if (kind === 'websocket' && e.websocket) return [[e.websocket.route, name]];
        if (kind === 'schedule' && e.schedule) return scheduleExpressions(e.schedule).map((x) => [`${name} ${x}`, name]);
        return [];
      }),
    ),
  );

/** The logical ids a resource's property points at with Ref or Fn::GetAtt. */
const refsIn = (value: unknown): string[] =>
  [...JSON.stringify(value).matchAll(/"(?:Ref|Fn::GetAtt)":(?:"([^"]+)"|\["([^"]+)")/g)].map((m) => (m[1] ?? m[2])!);

describe('the packaged deploy', () => {
  let work: string;
  let out: string;
  let resources: [string, Resource][];
  /** Lambda logical id → function name of serverless.yml. */
  let functionOf: Map<string, string>;

  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const byId = (id: string) => resources.find(([logicalId]) => logicalId === id)?.[1];
  /** A route's or rule's function, through the integration (or target) it names. */
  const invoked = (value: unknown): string | undefined => {
    for (const id of refsIn(value)) {
      const fn = functionOf.get(id) ?? (byId(id)?.Type === 'AWS::ApiGatewayV2::Integration' ? invoked(byId(id)!.Properties.IntegrationUri) : undefined);
      if (fn) return fn;
    }
    return undefined;
  };
  /** RouteKey → function name of the API `api` (a logical id). */
  const routesOf = (api: string) =>
    new Map(
      ofType('AWS::ApiGatewayV2::Route')
        .filter(([, r]) => refsIn(r.Properties.ApiId).includes(api))
        .map(([, r]) => [r.Properties.RouteKey as string, invoked(r.Properties.Target)]),
    );
  const apiOf = (protocol: 'HTTP' | 'WEBSOCKET') => {
    const apis = ofType('AWS::ApiGatewayV2::Api').filter(([, r]) => r.Properties.ProtocolType === protocol);
    expect(apis, `one ${protocol} API`).toHaveLength(1);
    return apis[0]![0];
  };
  const lambdas = () => ofType('AWS::Lambda::Function').map(([, r]) => [functionOf.get(r.Properties.FunctionName as string)!, r.Properties] as const);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pcf-package-'));
    out = join(work, 'package');
    // Its own esbuild work folder, so a running `npm run dev` keeps its own;
    // its own TMPDIR, where serverless-esbuild leaves a copy of each bundle.
    const run = spawnSync(join(root, 'node_modules/.bin/serverless'), ['package', '--stage', 'dev', '--package', out], {
      cwd: root,
      env: { ...process.env, ESBUILD_WORK_FOLDER: join(work, 'esbuild'), TMPDIR: work },
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`serverless package failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, Resource> };
    resources = Object.entries(template.Resources);
    const prefix = `${yml.service}-dev-`;
    const names = ofType('AWS::Lambda::Function').map(([id, r]) => [id, (r.Properties.FunctionName as string).slice(prefix.length)] as const);
    // By logical id (what routes and rules point at) and by deployed name.
    functionOf = new Map([...names, ...names.map(([, name]) => [`${prefix}${name}`, name] as const)]);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has one Lambda per function of serverless.yml, with the runtime, architecture, memory and timeout it declares', () => {
    expect(lambdas().map(([name]) => name).sort()).toEqual(Object.keys(yml.functions).sort());
    for (const [name, props] of lambdas()) {
      const fn = yml.functions[name]!;
      expect(props, name).toMatchObject({
        Handler: fn.handler,
        Runtime: fn.runtime ?? yml.provider.runtime,
        Architectures: [fn.architecture ?? yml.provider.architecture],
        MemorySize: fn.memorySize ?? yml.provider.memorySize,
        Timeout: fn.timeout ?? yml.provider.timeout,
      });
      // The bundles must only use syntax and APIs the Lambda runtime has.
      expect(Number(/\d+/.exec(yml.custom.esbuild.target)![0]), name).toBeLessThanOrEqual(Number(/\d+/.exec(props.Runtime as string)![0]));
    }
  });

  it("zips each function with the handler file its Handler names, exporting the handler", () => {
    const extension = yml.custom.esbuild.outputFileExtension ?? '.js';
    for (const [name, props] of lambdas()) {
      const zip = join(out, basename((props.Code as { S3Key: string }).S3Key));
      expect(existsSync(zip), `${name}: ${zip}`).toBe(true);
      const [, file, exported] = /^(.+)\.(\w+)$/.exec(props.Handler as string)!;
      const entries: string[] = [];
      const unzipped = unzipSync(readFileSync(zip), {
        filter: (entry) => {
          entries.push(entry.name);
          return entry.name === `${file}${extension}`;
        },
      });
      expect(entries, name).toContain(`${file}${extension}`);
      // An ES module bundle lists its exports in one closing `export{a as handler}`.
      const exports = [...new TextDecoder().decode(unzipped[`${file}${extension}`]).matchAll(/export\s*\{([^}]*)\}/g)]
        .flatMap((m) => m[1]!.split(','))
        .map((spec) => spec.trim().split(/\s+as\s+/).at(-1));
      expect(exports, name).toContain(exported);
    }
  });

  /** Starts a function's packaged bundle in a fresh Node with `env`, printing what `report` evaluates to. */
  const start = (name: string, props: Record<string, unknown>, env: Record<string, string> = {}, report = "''") => {
    const extension = yml.custom.esbuild.outputFileExtension ?? '.js';
    const file = `${/^(.+)\.\w+$/.exec(props.Handler as string)![1]}${extension}`;
    const bundle = join(work, 'bundles', name, file);
    if (!existsSync(bundle)) {
      const unzipped = unzipSync(readFileSync(join(out, basename((props.Code as { S3Key: string }).S3Key))), { filter: (entry) => entry.name === file });
      mkdirSync(dirname(bundle), { recursive: true });
      writeFileSync(bundle, unzipped[file]!);
    }
    return spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(${report})`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });
  };

  it("starts each function's bundle without loading undici, which no handler uses (nodejs/node#59686)", () => {
    // On Node 22 an ESM import of node:http builds a facade that reads its
    // WebSocket getters, loading undici: about 15 ms of each cold start.
    for (const [name, props] of lambdas()) {
      const started = start(name, props, {}, "process.moduleLoadList.filter((m) => m.includes('undici')).join(' ')");
      expect(started.status, `${name}: ${started.stderr}`).toBe(0);
      expect(started.stdout.trim(), name).toBe('');
    }
    // One process started for each of the functions, one after another: about 18 s alone, more under the whole suite's load.
  }, 120_000);

  it('refuses to start, on a deployed stage, a function that may credit a top-up with the simulated provider', () => {
    const deposits = lambdas().filter(([name]) => ['walletDeposit', 'paymentsStripeWebhook', 'cancelAbandonedTopUps'].includes(name));
    expect(deposits).toHaveLength(3);
    for (const [name, props] of deposits) {
      const refused = start(name, props, { STAGE: 'prod', PAYMENT_PROVIDER: 'simulated' });
      expect(refused.status, name).not.toBe(0);
      expect(refused.stderr, name).toContain('PAYMENT_PROVIDER=simulated credits money nobody paid');
      expect(start(name, props, { STAGE: 'prod', PAYMENT_PROVIDER: 'stripe' }).status, name).toBe(0);
    }
  });

  it('refuses to start, on a deployed stage, a function that sends mail with the outbox, or with SES and no sender', () => {
    const senders = lambdas().filter(([name]) => ['authRegister', 'usersUpdateMe', 'authVerifyEmailResend'].includes(name));
    expect(senders).toHaveLength(3);
    for (const [name, props] of senders) {
      const refused = start(name, props, { STAGE: 'prod', MAIL_PROVIDER: 'outbox' });
      expect(refused.status, name).not.toBe(0);
      expect(refused.stderr, name).toContain('MAIL_PROVIDER=outbox keeps mail nobody reads');
      expect(start(name, props, { STAGE: 'prod', MAIL_PROVIDER: 'ses' }).stderr, name).toContain('MAIL_PROVIDER=ses needs MAIL_FROM');
      expect(start(name, props, { STAGE: 'prod', MAIL_PROVIDER: 'ses', MAIL_FROM: 'no-reply@paiecashfan.test' }).status, name).toBe(0);
    }
  });

  it('lets the functions send email through SES, from the identities of their own account and region only', () => {
    const [, role] = ofType('AWS::IAM::Role').find(([id]) => id === 'IamRoleLambdaExecution')!;
    const statements = (role.Properties.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['ses:SendEmail'],
      Resource: { 'Fn::Join': [':', ['arn:aws:ses', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'identity/*']] },
    });
  });

  it("hands Stripe's secret key to the functions that make and cancel PaymentIntents alone, and the webhook's secret to the webhook alone", () => {
    const holders = (variable: string) =>
      lambdas()
        .filter(([, props]) => variable in ((props.Environment as { Variables: Record<string, unknown> }).Variables ?? {}))
        .map(([name]) => name);
    expect(holders('STRIPE_SECRET_KEY').sort()).toEqual(['cancelAbandonedTopUps', 'walletDeposit']);
    expect(holders('STRIPE_WEBHOOK_SECRET')).toEqual(['paymentsStripeWebhook']);
    expect(holders('PAYMENT_PROVIDER')).toHaveLength(lambdas().length);
  });

  it('routes the HTTP API exactly as serverless.yml does: every endpoint of lib/routes.ts to its own function, the rest to the catch-all', () => {
    const routed = routesOf(apiOf('HTTP'));
    expect(Object.fromEntries(routed)).toEqual(Object.fromEntries(declared('http')));
    expect([...routed.keys()].filter((key) => key !== '$default').sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    expect(routed.has('$default')).toBe(true);
    expect(new Set(routed.values()).size, 'one function per route').toBe(routed.size);
  });

  it('hands each HTTP function the payload 2.0 events it reads, and waits for it as long as it may run', () => {
    const http = new Set(declared('http').values());
    const timeouts = new Map(lambdas().map(([name, props]) => [name, props.Timeout as number]));
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([, r]) => http.has(invoked(r.Properties.IntegrationUri)!));
    expect(integrations).toHaveLength(http.size);
    for (const [id, { Properties: p }] of integrations) {
      expect(p, id).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(timeouts.get(invoked(p.IntegrationUri)!)! * 1000, id).toBeLessThanOrEqual(p.TimeoutInMillis as number);
    }
  });

  it('allows each origin of the comma-separated setting at API Gateway, with the CORS headers serverless.yml lists', () => {
    const [, api] = ofType('AWS::ApiGatewayV2::Api').find(([, r]) => r.Properties.ProtocolType === 'HTTP')!;
    const cors = api.Properties.CorsConfiguration as Record<string, unknown>;
    // The dev stage's setting is '*'; a deployed stage's comes from SSM as one string.
    expect(cors.AllowOrigins).toEqual({ 'Fn::Split': [',', '*'] });
    expect(cors).toMatchObject({
      AllowHeaders: yml.provider.httpApi.cors.allowedHeaders,
      ExposeHeaders: yml.provider.httpApi.cors.exposedResponseHeaders,
      MaxAge: yml.provider.httpApi.cors.maxAge,
    });
  });

  it('routes the WebSocket API: $connect, $disconnect and $default, each to its function', () => {
    const routed = routesOf(apiOf('WEBSOCKET'));
    expect(Object.fromEntries(routed)).toEqual(Object.fromEntries(declared('websocket')));
    expect([...routed.keys()].sort()).toEqual(['$connect', '$default', '$disconnect']);
  });

  it('runs each scheduled job on its schedule, and nothing else on one', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => {
      expect(r.Properties.State).toBe('ENABLED');
      return `${invoked(r.Properties.Targets)} ${r.Properties.ScheduleExpression as string}`;
    });
    expect(rules.sort()).toEqual([...declared('schedule').keys()].sort());
  });

  it('lets API Gateway invoke each function it routes to, and EventBridge each scheduled one', () => {
    const allowed = new Set(
      ofType('AWS::Lambda::Permission').map(([, r]) => `${invoked(r.Properties.FunctionName)} ${r.Properties.Principal as string}`),
    );
    for (const name of [...declared('http').values(), ...declared('websocket').values()]) expect(allowed, name).toContain(`${name} apigateway.amazonaws.com`);
    for (const name of declared('schedule').values()) expect(allowed, name).toContain(`${name} events.amazonaws.com`);
  });

  it("keeps each function's logs for the days serverless.yml says, in a log group made before the function", () => {
    const groups = new Map(ofType('AWS::Logs::LogGroup').map(([id, r]) => [id, r.Properties]));
    for (const [logicalId, { Properties: props, DependsOn }] of ofType('AWS::Lambda::Function')) {
      const name = functionOf.get(logicalId)!;
      const group = (DependsOn ?? []).map((id) => groups.get(id)).find((g) => g?.LogGroupName === `/aws/lambda/${props.FunctionName as string}`);
      expect(group?.RetentionInDays, name).toBe(yml.functions[name]!.logRetentionInDays ?? yml.provider.logRetentionInDays);
    }
  });
});

describe('the settings of a deployed stage (serverless.yml)', () => {
  // osls's own parser of `${source(params):address, fallback}`.
  type Variable = { start?: number; sources: { type?: string; value?: string; params?: { value: string }[]; address?: { value: string } }[] };
  const parseVariables = createRequire(import.meta.url)('serverless/lib/configuration/variables/parse.js') as (value: string) => Variable[] | null;

  /**
   * The only settings of a deployed stage that may fall back to a value when
   * their SSM parameter is missing, the value, and why: each grants nothing.
   */
  const MAY_DEFAULT: Record<string, [fallback: string, reason: string]> = {
    ticketVerifyKeys: ['[]', 'public keys of earlier ticket-signing keys: not secret, and none before the first rotation'],
    jwtPreviousSecrets: ['[]', 'earlier JWT secrets, set only while a rotation is under way: an empty list verifies nothing more'],
    sentryDsn: ['', 'where errors are reported, if anywhere: without one, none is'],
  };
  /** Names of settings that are (or hold) credentials: these must come from SSM. */
  const SECRET = /url|secret|token|key|password|dsn|credential/i;

  const deployed = Object.keys(yml.params).filter((stage) => stage !== 'dev');
  const used = [...new Set([...ymlText.matchAll(/\$\{param:(\w+)/g)].map((m) => m[1]!))];

  it('are prod and staging, with no `default` stage that a deployed one would fall back to', () => {
    expect(deployed.sort()).toEqual(['prod', 'staging']);
  });

  it.each(deployed)('%s collects top-ups through Stripe, never the simulated provider, and from Stripe itself', (stage) => {
    expect(yml.params[stage]!.paymentProvider).toBe('stripe');
    expect(yml.params[stage]!.stripeApiBase).toBe('');
  });

  it.each(deployed)('%s sends mail through SES, never the outbox, and to SES itself', (stage) => {
    expect(yml.params[stage]!.mailProvider).toBe('ses');
    expect(yml.params[stage]!.sesEndpoint).toBe('');
  });

  it.each(deployed)('%s defines every setting serverless.yml uses, and those of dev', (stage) => {
    const settings = Object.keys(yml.params[stage]!).sort();
    expect(settings).toEqual(expect.arrayContaining(used));
    expect(settings).toEqual(Object.keys(yml.params.dev!).sort());
  });

  it.each(deployed)('%s reads each secret from its own SSM parameters, raw and without a default', (stage) => {
    for (const [name, value] of Object.entries(yml.params[stage]!)) {
      const variables = parseVariables(String(value));
      if (!variables) {
        expect(name, `${stage}.${name} is written in serverless.yml`).not.toMatch(SECRET);
        continue;
      }
      // One variable, the whole value: no `${env:…}` or `${opt:…}` from the deployer's shell.
      expect(variables, `${stage}.${name}`).toHaveLength(1);
      const [{ start, sources }] = variables as [Variable];
      expect(start, `${stage}.${name}`).toBeUndefined();
      const [ssm, ...fallbacks] = sources;
      expect(ssm, `${stage}.${name}`).toMatchObject({ type: 'ssm', params: [{ value: 'raw' }] });
      expect(ssm!.address!.value, `${stage}.${name}`).toMatch(/^\/paiecashfan\/\$\{sls:stage\}\/[\w-]+$/);
      const [fallback, reason] = MAY_DEFAULT[name] ?? [];
      expect(fallbacks, `${stage}.${name}: ${reason ?? 'no default'}`).toEqual(fallback === undefined ? [] : [{ value: fallback }]);
    }
  });
});
