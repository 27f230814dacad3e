import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { countMetric, observeMetrics, setMetricsSink } from '../../functions/shared/metrics';
import { OUTBOX_ITEM_TYPE } from '../../functions/store/outbox';
import { TABLE_SCHEMA } from '../../functions/store/schema';
import { WEB_ENV } from '../../functions/web-app';
import { FUNCTION_ENV, SECRETS_EXTENSION_TTL } from '../../lib/constructs/KneadpayFunction';
import { METRIC_ALARMS } from '../../lib/constructs/MetricAlarms';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import type { KneadpayStack } from '../../lib/kneadpay-stack';
import { asyncFunctionNames, WIRING } from '../../lib/stack-wiring';
import { AUTH, EVENT_SOURCE } from '../../lib/wiring';

/**
 * The deployed stack, synthesized once (bundling skipped) and checked against the wiring table
 * itself: every assertion loops over FUNCTIONS / ROUTES / RULES / SCHEDULES, so it keeps holding
 * as the table grows.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

let stack: KneadpayStack;
let template: Template;
let resources: Resources;

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const logicalId = (construct: { node: { defaultChild?: unknown } }) => Stack.of(stack).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
/** The one resource of a type: [logical id, resource]. */
const single = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

beforeAll(() => {
  // Prepare
  const app = createKneadpayApp({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING }, compliance: false });
  stack = app.stack;
  // Act
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
});

describe('the table (keys from functions/store/schema.ts)', () => {
  it('has the schema keys, every GSI, the TTL attribute and a NEW_IMAGE stream, billed on demand', () => {
    // Assess
    const keyAttributes = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, ...TABLE_SCHEMA.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayEquals(keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
      GlobalSecondaryIndexes: TABLE_SCHEMA.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: TABLE_SCHEMA.streamView },
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
    });
  });

  it('has point-in-time recovery, deletion protection and is retained when the stack goes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('is encrypted with a customer-managed KMS key that rotates', () => {
    const [tableKeyId] = resources[logicalId(stack.table)]!.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'];
    expect(resources[logicalId(stack.table)]!.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(resources[tableKeyId]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
  });
});

describe('the outbox pipe', () => {
  const pipe = () => single('AWS::Pipes::Pipe')[1].Properties;

  it('reads the table stream and forwards inserted outbox items only', () => {
    const { Source, SourceParameters } = pipe();
    expect(Source).toEqual({ 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] });
    const filters = SourceParameters.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
    expect(filters).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: [OUTBOX_ITEM_TYPE] } } } }]);
  });

  it('maps the enriched item to the event: source, detail-type and detail, on the kneadpay bus', () => {
    const { Target, Enrichment, TargetParameters } = pipe();
    expect(Target).toEqual(arnOf(logicalId(stack.bus)));
    const [enrichmentId] = Enrichment['Fn::GetAtt'];
    expect(resources[enrichmentId]!.Type).toBe('AWS::Lambda::Function');
    expect(TargetParameters).toEqual({
      EventBridgeEventBusParameters: { Source: '$.source', DetailType: '$.detailType' },
      InputTemplate: '<$.detail>',
    });
  });

  it('dead-letters records it cannot deliver (bounded retries, bisecting batches) into a queue with an alarm', () => {
    const stream = pipe().SourceParameters.DynamoDBStreamParameters;
    expect(stream).toMatchObject({ MaximumRetryAttempts: 10, OnPartialBatchItemFailure: 'AUTOMATIC_BISECT', StartingPosition: 'TRIM_HORIZON' });
    const [queueId] = stream.DeadLetterConfig.Arn['Fn::GetAtt'];
    expect(resources[queueId]!.Type).toBe('AWS::SQS::Queue');
    expect(alarmedQueues()).toContain(queueId);
  });
});

describe('the bus', () => {
  it('is named kneadpay and archived for replay', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'kneadpay' });
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: arnOf(logicalId(stack.bus)), RetentionDays: 365 });
  });
});

describe('functions (one per FUNCTIONS row, plus the pipe enrichment)', () => {
  const lambdaFunctions = () => ofType('AWS::Lambda::Function');

  it('deploys every wiring function and nothing unlisted', () => {
    expect([...stack.functions.keys()].sort()).toEqual(Object.keys(WIRING.functions).sort());
    expect(lambdaFunctions()).toHaveLength(Object.keys(WIRING.functions).length + 1);
  });

  it('runs every function on Node.js 22, arm64, X-Ray active, source maps on, in its own log group', () => {
    for (const [id, fn] of lambdaFunctions()) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroupId]?.Type, id).toBe('AWS::Logs::LogGroup');
    }
  });

  it('gives every log group a retention and a KMS key', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(0);
    for (const [id, logGroup] of logGroups) {
      expect(logGroup.Properties.RetentionInDays, id).toBeGreaterThan(0);
      expect(logGroup.Properties.KmsKeyId, id).toBeDefined();
    }
  });

  it('sets the table name and public URL, and grants table access as the wiring says', () => {
    for (const [name, spec] of Object.entries(WIRING.functions)) {
      const fn = stack.functions.get(name)!;
      const props = resources[logicalId(fn)]!.Properties;
      expect(props.Environment.Variables[FUNCTION_ENV.table], name).toEqual(ref(logicalId(stack.table)));
      // The public URL is CloudFront's (with the WAF), not the API's own endpoint.
      expect(props.Environment.Variables[FUNCTION_ENV.publicUrl], name).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }]] });
      const actions = policyActionsOf(fn.role!);
      expect(actions, name).toContain('dynamodb:Query');
      expect(actions.includes('dynamodb:PutItem'), name).toBe(spec.access.table === 'readwrite');
    }
  });

  it('reserves concurrency where the wiring asks (the balance invoicer: Stripe rate limits), nowhere else', () => {
    const reserved = Object.fromEntries(Object.keys(WIRING.functions).map((name) => [name, resources[logicalId(stack.functions.get(name)!)]!.Properties.ReservedConcurrentExecutions ?? null]));
    expect(reserved).toEqual(Object.fromEntries(Object.entries(WIRING.functions).map(([name, spec]) => [name, (spec as { reservedConcurrency?: number }).reservedConcurrency ?? null])));
    expect(reserved['balance-invoicer']).toBe(4);
  });

  it('gives Stripe secrets only to functions with access.stripe, the receipt-link secret only to access.receiptLinks', () => {
    for (const [name, spec] of Object.entries(WIRING.functions)) {
      const fn = stack.functions.get(name)!;
      const variables = resources[logicalId(fn)]!.Properties.Environment.Variables;
      const stripe = Boolean(spec.access.stripe);
      const receiptLinks = 'receiptLinks' in spec.access && Boolean(spec.access.receiptLinks);
      // Issue 17, the edge: functions behind a route also read the origin secret (test/infra/edge.test.ts).
      const routed = WIRING.routes.some((route) => route.fn === name);
      expect(FUNCTION_ENV.stripeSecretArn in variables, name).toBe(stripe);
      expect(FUNCTION_ENV.stripeWebhookSecretArn in variables, name).toBe(stripe);
      expect(FUNCTION_ENV.receiptSecretArn in variables, name).toBe(receiptLinks);
      expect(policyActionsOf(fn.role!).includes('secretsmanager:GetSecretValue'), name).toBe(stripe || receiptLinks || routed);
      if (receiptLinks) expect(resources[variables[FUNCTION_ENV.receiptSecretArn].Ref]?.Type).toBe('AWS::SecretsManager::Secret');
      if (stripe) {
        expect(resources[variables[FUNCTION_ENV.stripeSecretArn].Ref]?.Type).toBe('AWS::SecretsManager::Secret');
        expect(resources[variables[FUNCTION_ENV.stripeWebhookSecretArn].Ref]?.Type).toBe('AWS::SecretsManager::Secret');
      }
    }
  });

  it('gives every function that reads a secret the Parameters and Secrets extension (functions/shared/secrets.ts reads through it), and no other', () => {
    const secretArnVariables = (variables: Record<string, unknown>) => Object.keys(variables).filter((key) => key.endsWith('_SECRET_ARN') || key.endsWith('_SECRET_KEY_ARN'));
    const withSecrets: string[] = [];
    for (const [name, fn] of stack.functions) {
      const properties = resources[logicalId(fn)]!.Properties;
      const variables = properties.Environment.Variables as Record<string, unknown>;
      const layers = JSON.stringify(properties.Layers ?? []);
      const reads = secretArnVariables(variables).length > 0;
      if (reads) withSecrets.push(name);
      // The layer's ARN comes from CDK's regional table (a mapping lookup in an environment-agnostic stack).
      expect(layers.includes('AWS-Parameters-and-Secrets-Lambda-Extension') || layers.includes('Fn::FindInMap'), name).toBe(reads);
      expect(variables.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, name).toBe(reads ? '2773' : undefined);
      expect(variables.SECRETS_MANAGER_TTL, name).toBe(reads ? String(SECRETS_EXTENSION_TTL.toSeconds()) : undefined);
      expect(fn.readsSecrets, name).toBe(reads);
    }
    expect(withSecrets.length).toBeGreaterThan(0);
    expect(withSecrets).toContain('web-app');
  });
});

describe('asynchronous functions (rule and schedule targets)', () => {
  const asyncNames = [...asyncFunctionNames(WIRING)];

  it('give each async function a DLQ, bounded Lambda retries, and rule targets a retry policy and the same DLQ', () => {
    for (const name of asyncNames) {
      const fnId = logicalId(stack.functions.get(name)!);
      const [queueId] = resources[fnId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'];
      expect(resources[queueId]!.Type, name).toBe('AWS::SQS::Queue');
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: ref(fnId), MaximumRetryAttempts: 2 });
      const targets = ofType('AWS::Events::Rule').flatMap(([, rule]) => rule.Properties.Targets as Record<string, any>[]);
      const own = targets.filter((target) => JSON.stringify(target.Arn) === JSON.stringify(arnOf(fnId)));
      expect(own.length, name).toBeGreaterThan(0);
      for (const target of own) {
        expect(target.DeadLetterConfig, name).toEqual({ Arn: arnOf(queueId) });
        expect(target.RetryPolicy, name).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 });
      }
    }
  });

  it('wires every schedule on the default bus and every rule on the kneadpay bus by detail-type', () => {
    for (const schedule of WIRING.schedules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: schedule.expression,
        EventBusName: Match.absent(),
        Targets: [Match.objectLike({ Arn: arnOf(logicalId(stack.functions.get(schedule.fn)!)) })],
      });
    }
    for (const rule of WIRING.rules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: ref(logicalId(stack.bus)),
        EventPattern: { source: [EVENT_SOURCE], 'detail-type': [rule.detailType] },
        Targets: [Match.objectLike({ Arn: arnOf(logicalId(stack.functions.get(rule.fn)!)) })],
      });
    }
  });

  it('puts every queue under KMS, TLS-only, with an alarm on ApproximateNumberOfMessagesVisible > 0 that notifies', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(asyncNames.length + 1); // + the pipe's
    for (const [id, queue] of queues) {
      expect(queue.Properties.KmsMasterKeyId, id).toBeDefined();
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
    expect(alarmedQueues().sort()).toEqual(queues.map(([id]) => id).sort());
  });
});

describe('the HTTP API', () => {
  const routeFor = (method: string, path: string) => {
    const found = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) => route.Properties.RouteKey === `${method} ${path}`);
    expect(found, `${method} ${path}`).toHaveLength(1);
    return found[0]![1].Properties;
  };

  it('has exactly the wiring routes', () => {
    expect(
      ofType('AWS::ApiGatewayV2::Route')
        .map(([, route]) => route.Properties.RouteKey)
        .sort(),
    ).toEqual(WIRING.routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('puts the Cognito JWT authorizer on every jwt route and none on public or stripe-signature routes', () => {
    const [authorizerId, authorizer] = single('AWS::ApiGatewayV2::Authorizer');
    const [poolId] = single('AWS::Cognito::UserPool');
    const [clientId] = single('AWS::Cognito::UserPoolClient');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: { 'Fn::GetAtt': [poolId, 'ProviderURL'] }, Audience: [ref(clientId)] },
    });
    for (const route of WIRING.routes) {
      const props = routeFor(route.method, route.path);
      if (route.auth === AUTH.jwt) expect(props, route.path).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: ref(authorizerId) });
      else expect(props.AuthorizationType ?? 'NONE', route.path).toBe('NONE');
      if (route.auth !== AUTH.jwt) expect(props.AuthorizerId, route.path).toBeUndefined();
    }
  });

  it('integrates each route with its own function', () => {
    for (const route of WIRING.routes) {
      const integrationId = routeFor(route.method, route.path).Target['Fn::Join'][1][1].Ref;
      expect(resources[integrationId]!.Properties.IntegrationUri).toEqual(arnOf(logicalId(stack.functions.get(route.fn)!)));
    }
  });

  it('logs access (route templates, not paths) to an encrypted log group, throttled', () => {
    const [, stage] = single('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50 } });
    const { DestinationArn, Format } = stage.Properties.AccessLogSettings;
    expect(resources[DestinationArn['Fn::GetAtt'][0]]!.Type).toBe('AWS::Logs::LogGroup');
    expect(Format).toContain('$context.routeKey');
    expect(Format).not.toContain('$context.path');
  });

  it('has a user pool for practice staff: immutable practiceId, MFA, strong passwords, deletion protection', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Schema: Match.arrayWith([Match.objectLike({ Name: 'practiceId', Mutable: false, AttributeDataType: 'String' })]),
        MfaConfiguration: 'ON',
        DeletionProtection: 'ACTIVE',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      }),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { ReadAttributes: Match.arrayWith(['custom:practiceId']), WriteAttributes: ['email'] });
  });

  it('signs the web app in through the hosted UI: code grant only, no secret (PKCE), callback and logout at /app/, the function told where', () => {
    // Assess: the one client, public, authorization code grant only, the app's scopes.
    const [distributionId] = single('AWS::CloudFront::Distribution');
    const [poolId] = single('AWS::Cognito::UserPool');
    const [clientId, client] = single('AWS::Cognito::UserPoolClient');
    const appUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/app/']] };
    expect(client.Properties).toMatchObject({
      UserPoolId: ref(poolId),
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect([...client.Properties.AllowedOAuthScopes].sort()).toEqual(['email', 'openid']);
    expect(client.Properties.CallbackURLs).toEqual([appUrl]);
    expect(client.Properties.LogoutURLs).toEqual([appUrl]);
    // The hosted-UI domain, a prefix domain taken as a deploy parameter.
    template.hasParameter('StaffSignInDomainPrefix', { Type: 'String' });
    const [domainId, domain] = single('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties).toMatchObject({ UserPoolId: ref(poolId), Domain: ref('StaffSignInDomainPrefix') });
    expect(domain.Properties.CustomDomainConfig).toBeUndefined();
    // The web-app function (and only it) gets the hosted domain and the client id.
    const signInDomain = { 'Fn::Join': ['', ['https://', ref(domainId), '.auth.', ref('AWS::Region'), '.amazoncognito.com']] };
    for (const name of Object.keys(WIRING.functions)) {
      const env = resources[logicalId(stack.functions.get(name)!)]!.Properties.Environment.Variables;
      if (name === 'web-app') {
        expect(env[WEB_ENV.cognitoDomain], name).toEqual(signInDomain);
        expect(env[WEB_ENV.cognitoClientId], name).toEqual(ref(clientId));
      } else {
        expect(env[WEB_ENV.cognitoDomain], name).toBeUndefined();
        expect(env[WEB_ENV.cognitoClientId], name).toBeUndefined();
      }
    }
  });
});

describe('the template as CloudFormation reads it', () => {
  it('has no circular reference (Ref, Fn::GetAtt, DependsOn), so the sign-in wiring deploys', () => {
    // Prepare: each resource's edges to the resources it names.
    const template$ = template.toJSON() as { Resources: Record<string, { DependsOn?: string | string[] }> };
    const edges = new Map<string, Set<string>>();
    const names = (value: unknown, into: Set<string>): void => {
      if (Array.isArray(value)) value.forEach((item) => names(item, into));
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'Ref' && typeof inner === 'string' && inner in template$.Resources) into.add(inner);
          else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string') into.add(inner[0]);
          else names(inner, into);
        }
      }
    };
    for (const [id, resource] of Object.entries(template$.Resources)) {
      const into = new Set<string>([resource.DependsOn ?? []].flat());
      names(resource, into);
      edges.set(id, into);
    }

    // Act: a depth-first walk; a node met again while on the path closes a cycle.
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'open') return void cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
      state.set(id, 'open');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);

    // Assess
    expect(cycles).toEqual([]);
  });
});

describe('Stripe Connect', () => {
  it('alarms on-call on the EMF series the code counts: an unknown connected account, quarantined claim payments', () => {
    // Prepare: the lines the code writes for each alarmed metric (Powertools EMF), read back.
    const lines: string[] = [];
    setMetricsSink(() => undefined);
    const stop = observeMetrics((line) => lines.push(line));
    try {
      for (const spec of Object.values(METRIC_ALARMS)) countMetric(spec.metric, 1, spec.service);
    } finally {
      stop();
      setMetricsSink((line) => process.stdout.write(`${line}\n`));
    }
    const emitted = lines.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }; service: string });

    // Assess: one alarm per series, on exactly the namespace, name and dimension a count lands in.
    expect(ofType('AWS::Logs::MetricFilter')).toEqual([]);
    for (const line of emitted) {
      const [directive] = line._aws.CloudWatchMetrics;
      const name = directive!.Metrics[0]!.Name;
      const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties.MetricName === name);
      expect(alarms, name).toHaveLength(1);
      expect(alarms[0]![1].Properties).toMatchObject({
        Namespace: directive!.Namespace,
        Dimensions: [{ Name: 'service', Value: line.service }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Statistic: 'Sum',
        Period: 300,
        TreatMissingData: 'notBreaching',
      });
      expect(alarms[0]![1].Properties.AlarmActions, name).toHaveLength(1);
      expect(alarms[0]![1].Properties.OKActions, name).toHaveLength(1);
    }
    expect(emitted.map((line) => line._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name).sort()).toEqual(['ClaimsQuarantined', 'StripeEventUnknownAccount']);
  });

  it('passes the platform fee (default 0 bps) to every function that calls Stripe, and to no other', () => {
    for (const [name, spec] of Object.entries(WIRING.functions)) {
      const env = resources[logicalId(stack.functions.get(name)!)]!.Properties.Environment.Variables;
      expect(env.KNEADPAY_PLATFORM_FEE_BPS, name).toBe(spec.access.stripe ? '0' : undefined);
    }
  });
});

describe('deploy interface', () => {
  it('takes the SES sender as a parameter and prints the URLs and names operators need', () => {
    template.hasParameter('SesSender', { Type: 'String' });
    const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'StaffAppUrl',
        'StaffSignInUrl',
        'EventBusName',
        'TableName',
        'StripeApiKeySecretArn',
        'StripeWebhookSecretArn',
        'AlarmTopicArn',
      ]),
    );
    if (WIRING.routes.some((route) => route.auth === AUTH.stripeSignature)) expect(outputs).toContain('StripeWebhookUrl');
  });
});

/** Every action in the identity policies attached to a role. */
function policyActionsOf(role: { node: { defaultChild?: unknown } }): string[] {
  const roleId = logicalId(role);
  return [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles ?? []).includes(`"${roleId}"`))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((statement) => [statement.Action].flat());
}

/** Queues that have an alarm on visible messages > 0 which notifies the alarm topic. */
function alarmedQueues(): string[] {
  return ofType('AWS::CloudWatch::Alarm')
    .filter(([, alarm]) => {
      const p = alarm.Properties;
      return p.MetricName === 'ApproximateNumberOfMessagesVisible' && p.Threshold === 0 && p.ComparisonOperator === 'GreaterThanThreshold' && p.AlarmActions?.length > 0;
    })
    .map(([, alarm]) => alarm.Properties.Dimensions.find((d: { Name: string }) => d.Name === 'QueueName').Value['Fn::GetAtt'][0] as string);
}
