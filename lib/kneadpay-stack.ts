import { createHash } from 'node:crypto';
import path from 'node:path';
import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnStage, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { routeSettings } from './route-throttles';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ORIGIN_SECRET_ARN_ENV } from '../functions/shared/client-address';
import { OUTBOX_ITEM_TYPE } from '../functions/store/outbox';
import { TABLE_SCHEMA } from '../functions/store/schema';
import { acknowledge, NAG } from './compliance';
import { EdgeDistribution } from './constructs/EdgeDistribution';
import { FUNCTION_ENV, KneadpayFunction } from './constructs/KneadpayFunction';
import { OutboxPipe } from './constructs/OutboxPipe';
import { PracticeUserPool } from './constructs/PracticeUserPool';
import { MetricAlarms } from './constructs/MetricAlarms';
import { WEB_ENV } from '../functions/web-app';
import { asyncFunctionNames, pascalCase, PROJECT_ROOT, WIRING, wiringProblems, type Wiring } from './stack-wiring';
import { AUTH, EVENT_SOURCE, type Auth } from './wiring';

export interface KneadpayStackProps extends StackProps {
  /** Functions, routes, rules and schedules; defaults to `lib/wiring.ts`. Tests pass their own. */
  wiring?: Wiring;
  /** The bus integrators put events on and consumers subscribe to. */
  busName?: string;
  /** Retention of every log group (functions, pipe, API access logs). */
  logRetention?: RetentionDays;
  /** API Gateway stage throttling, requests per second and burst. */
  apiThrottle?: { rateLimit: number; burstLimit: number };
  /** The platform's fee on connected accounts' payments, in basis points (KNEADPAY_PLATFORM_FEE_BPS; default 0). */
  platformFeeBps?: number;
}

/** Rule-target delivery policy: retries for throttling or a missing permission, then the DLQ. */
const RULE_TARGET_RETRIES = 8;
const RULE_TARGET_MAX_AGE = Duration.hours(24);

/** Why a route without an API Gateway authorizer is fine, per auth kind (cdk-nag reads these). */
const UNAUTHORIZED_ROUTE_REASON: Record<Exclude<Auth, typeof AUTH.jwt>, string> = {
  [AUTH.public]: 'Public by design: storefront, checkout and receipt pages serve clients without accounts; receipt links carry an unguessable token.',
  [AUTH.stripeSignature]: 'Stripe webhooks are authenticated by the Stripe-Signature header (HMAC over the raw body), verified inside the function, not by a JWT.',
};

/**
 * kneadpay, generated from the wiring table: one DynamoDB table (schema from
 * functions/store/schema.ts), the outbox pipe to the `kneadpay` bus, one Lambda per function,
 * HTTP routes with the Cognito JWT authorizer on practice routes, rules and schedules with DLQs.
 */
export class KneadpayStack extends Stack {
  readonly table: Table;
  readonly bus: EventBus;
  readonly api: HttpApi;
  readonly functions: ReadonlyMap<string, KneadpayFunction>;
  /** CloudFront and AWS WAF in front of the API: the public URL (lib/constructs/EdgeDistribution.ts). */
  readonly edge: EdgeDistribution;

  constructor(scope: Construct, id: string, props: KneadpayStackProps = {}) {
    super(scope, id, props);
    const wiring = props.wiring ?? WIRING;
    const problems = wiringProblems(wiring);
    if (problems.length > 0) throw new Error(`The wiring table has problems:\n- ${problems.join('\n- ')}`);
    const logRetention = props.logRetention ?? RetentionDays.ONE_YEAR;

    // Keys: one for data (table, stream, secrets), one for operations (logs, DLQs, alarms).
    const dataKey = new Key(this, 'DataKey', {
      description: 'kneadpay data: the table and its stream, Stripe secrets',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const opsKey = new Key(this, 'OpsKey', {
      description: 'kneadpay operations: log groups, dead-letter queues, the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServicesToUse(opsKey);

    const alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'kneadpay alarms', masterKey: opsKey, enforceSSL: true });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: StreamViewType[TABLE_SCHEMA.streamView],
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of TABLE_SCHEMA.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    acknowledge(
      this.table,
      'Backups are point-in-time recovery (35 days, continuous) plus deletion protection and RETAIN; longer-term copies belong to the account-wide AWS Backup policy (docs/operations.md).',
      NAG.backupPlan,
    );

    this.bus = new EventBus(this, 'Bus', { eventBusName: props.busName ?? 'kneadpay' });
    this.bus.archive('Archive', {
      description: 'Every event on the kneadpay bus, for replay after an incident',
      eventPattern: { account: [this.account] },
      retention: Duration.days(365),
    });
    new OutboxPipe(this, 'OutboxPipe', {
      table: this.table,
      tableKey: dataKey,
      bus: this.bus,
      outboxItemType: OUTBOX_ITEM_TYPE,
      opsKey,
      alarmTopic,
      logRetention,
    });

    const stripeSecrets = {
      apiKey: new Secret(this, 'StripeApiKey', { description: 'Stripe secret API key (sk_live_... or sk_test_...)', encryptionKey: dataKey }),
      webhookSecret: new Secret(this, 'StripeWebhookSecret', { description: 'Stripe webhook signing secret (whsec_...)', encryptionKey: dataKey }),
    };
    for (const secret of Object.values(stripeSecrets)) {
      acknowledge(
        secret,
        'Stripe issues these values; rotation is rolling the key in the Stripe dashboard and put-secret-value (docs/operations.md), which no rotation Lambda can do.',
        ...NAG.secretRotation,
      );
    }
    // Signs receipt links; generated by Secrets Manager, so nobody ever needs to see it.
    const receiptSecret = new Secret(this, 'ReceiptLinkSecret', {
      description: 'HMAC key for receipt links (/r/{token}); rotating it revokes every outstanding link',
      encryptionKey: dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledge(
      receiptSecret,
      'Rotating this key revokes every receipt link clients hold; it is rotated by hand (docs/operations.md), which is a deliberate act, not a schedule.',
      ...NAG.secretRotation,
    );
    const sesSender = new CfnParameter(this, 'SesSender', {
      type: 'String',
      description: 'The verified SES address kneadpay sends receipts and invoices from, e.g. billing@example.com',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address whose address or domain is verified in SES',
    });

    // One function per wiring row, granted exactly its `access`.
    const asyncFunctions = asyncFunctionNames(wiring);
    const functions = new Map<string, KneadpayFunction>();
    const routed = new Set<string>(wiring.routes.map((route) => route.fn));
    for (const [name, spec] of Object.entries(wiring.functions)) {
      const fn = new KneadpayFunction(this, `${pascalCase(name)}Function`, {
        entry: path.join(PROJECT_ROOT, spec.entry),
        description: spec.description,
        memorySize: spec.memoryMb,
        timeout: spec.timeoutSeconds === undefined ? undefined : Duration.seconds(spec.timeoutSeconds),
        reservedConcurrency: (spec as { reservedConcurrency?: number }).reservedConcurrency,
        logRetention,
        logEncryptionKey: opsKey,
        deadLetters: asyncFunctions.has(name) ? { description: `Events the ${name} function could not process`, encryptionKey: opsKey, alarmTopic } : undefined,
        // Stripe secrets, the receipt-link secret, or (every routed function) the edge's origin secret.
        readsSecrets: Boolean(spec.access.stripe || ('receiptLinks' in spec.access && spec.access.receiptLinks) || routed.has(name)),
      });
      fn.bindTable(this.table, spec.access.table);
      if (spec.access.stripe) fn.bindStripeSecrets(stripeSecrets);
      if (spec.access.ses) fn.bindSesSender(sesSender.valueAsString);
      if ('receiptLinks' in spec.access && spec.access.receiptLinks) fn.bindReceiptSecret(receiptSecret);
      functions.set(name, fn);
    }
    this.functions = functions;
    const fnFor = (name: string): KneadpayFunction => functions.get(name)!;
    for (const [name, spec] of Object.entries(wiring.functions)) {
      if (spec.access.stripe) fnFor(name).addEnvironment('KNEADPAY_PLATFORM_FEE_BPS', String(props.platformFeeBps ?? 0));
    }
    // Alarms on the EMF metrics the functions count (namespace kneadpay, dimension service).
    new MetricAlarms(this, 'MetricAlarms', { alarmTopic });

    // The HTTP API: routes from the table, the JWT authorizer on practice routes only.
    this.api = new HttpApi(this, 'Api', { description: 'kneadpay HTTP API', createDefaultStage: false });
    // The edge: CloudFront with per-IP WAF rate rules in front of the API (lib/edge-limits.ts); its
    // URL is the public one (links in receipts and emails, Stripe's return URLs, the sign-in callback).
    const originSecretVersion = new CfnParameter(this, 'EdgeOriginVersionId', {
      type: 'String',
      default: '',
      description: 'Version id of the EdgeOriginSecret CloudFront sends to the API; empty for its current version. Set it to the new version id to roll a rotation out (docs/operations.md)',
      allowedPattern: '^[A-Za-z0-9-]{0,64}$',
    });
    this.edge = new EdgeDistribution(this, 'Edge', {
      api: this.api,
      logRetention,
      logEncryptionKey: opsKey,
      secretEncryptionKey: dataKey,
      originSecretVersionId: originSecretVersion.valueAsString,
    });
    for (const fn of functions.values()) fn.addEnvironment(FUNCTION_ENV.publicUrl, this.edge.url);
    // Every function behind a route refuses requests without the origin secret (the execute-api
    // endpoint would skip the WAF) and trusts CloudFront-Viewer-Address only with it
    // (functions/shared/client-address.ts).
    for (const name of new Set(wiring.routes.map((route) => route.fn))) {
      if (!functions.has(name)) continue;
      fnFor(name).bindOriginSecret(this.edge.originSecret, ORIGIN_SECRET_ARN_ENV);
    }
    // The web app's hosted sign-in, at the public (CloudFront) URL. The distribution's origin is the
    // API's own `apiEndpoint` attribute, so the client's callback depends on the distribution and the
    // API resource alone and the web-app function can name the client without a cycle
    // (function → client → distribution → API, never back).
    const signInPrefix = new CfnParameter(this, 'StaffSignInDomainPrefix', {
      type: 'String',
      description: 'Prefix of the staff hosted sign-in domain, https://<prefix>.auth.<region>.amazoncognito.com (unique in the region)',
      allowedPattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$',
      constraintDescription: 'lowercase letters, digits and inner hyphens, at most 63; not containing aws, amazon or cognito',
    });
    const staff = new PracticeUserPool(this, 'PracticeStaff', { appUrl: `${this.edge.url}/app/`, domainPrefix: signInPrefix.valueAsString });
    if (functions.has('web-app')) {
      fnFor('web-app').addEnvironment(WEB_ENV.cognitoDomain, staff.signInDomain.baseUrl());
      fnFor('web-app').addEnvironment(WEB_ENV.cognitoClientId, staff.client.userPoolClientId);
    }
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      encryptionKey: opsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stage = new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (name: string) => {
      if (!integrations.has(name)) integrations.set(name, new HttpLambdaIntegration(`${pascalCase(name)}Integration`, fnFor(name)));
      return integrations.get(name)!;
    };
    for (const route of wiring.routes) {
      const routes = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.fn),
        authorizer: route.auth === AUTH.jwt ? staff.authorizer : undefined,
      });
      // Route settings name routes by key: the stage is updated once they exist.
      for (const added of routes) stage.node.addDependency(added);
      // Every other auth kind must say why it needs no authorizer (a new kind fails to compile here).
      if (route.auth !== AUTH.jwt) {
        for (const added of routes) acknowledge(added, UNAUTHORIZED_ROUTE_REASON[route.auth], NAG.routeAuthorization);
      }
    }

    // Public routes and the webhook throttled each on their own budget (lib/route-throttles.ts).
    (stage.node.defaultChild as CfnStage).routeSettings = routeSettings(wiring.routes);

    // Event rules on the bus and schedules, each target with its retry policy and the function's DLQ.
    const asyncTarget = (name: string) => {
      const fn = fnFor(name);
      return new LambdaFunction(fn, {
        deadLetterQueue: fn.deadLetters!.queue,
        retryAttempts: RULE_TARGET_RETRIES,
        maxEventAge: RULE_TARGET_MAX_AGE,
      });
    };
    for (const rule of wiring.rules) {
      new Rule(this, `On${pascalCase(rule.detailType)}To${pascalCase(rule.fn)}`, {
        eventBus: this.bus,
        description: `${rule.detailType} to ${rule.fn}`,
        eventPattern: { source: [EVENT_SOURCE], detailType: [rule.detailType] },
        targets: [asyncTarget(rule.fn)],
      });
    }
    for (const schedule of wiring.schedules) {
      // Scheduled rules live on the default bus (EventBridge does not schedule on custom buses).
      // Keyed by a digest of the expression: stable when rows move, distinct for any two expressions.
      const digest = createHash('sha256').update(schedule.expression).digest('hex').slice(0, 8);
      new Rule(this, `Schedule${pascalCase(schedule.fn)}${digest}`, {
        description: schedule.description,
        schedule: Schedule.expression(schedule.expression),
        targets: [asyncTarget(schedule.fn)],
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: "The HTTP API itself, CloudFront's origin (PublicUrl is the address to give out)" });
    new CfnOutput(this, 'PublicUrl', { value: this.edge.url, description: 'Public base URL: CloudFront with the AWS WAF rate rules, in front of the HTTP API' });
    new CfnOutput(this, 'EdgeWebAclArn', {
      value: this.edge.webAcl.attrArn,
      condition: this.edge.inWebAclRegion,
      description: 'The AWS WAF web ACL on the distribution (only in us-east-1, where a CLOUDFRONT web ACL can exist)',
    });
    wiring.routes
      .filter((route) => route.auth === AUTH.stripeSignature)
      .forEach((route, i) => {
        new CfnOutput(this, `StripeWebhookUrl${i === 0 ? '' : i + 1}`, {
          value: `${this.edge.url}${route.path}`,
          description: 'Register this endpoint in the Stripe dashboard (Developers, Webhooks)',
        });
      });
    new CfnOutput(this, 'UserPoolId', { value: staff.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: staff.client.userPoolClientId });
    new CfnOutput(this, 'StaffAppUrl', { value: `${this.edge.url}/app/`, description: 'The staff web app (Cognito hosted sign-in)' });
    new CfnOutput(this, 'StaffSignInUrl', { value: staff.signInDomain.baseUrl(), description: 'Cognito hosted sign-in domain of the staff web app' });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    // Also keeps the parameter referenced when no function sends email yet.
    new CfnOutput(this, 'SesSenderAddress', { value: sesSender.valueAsString, description: 'The address receipts and invoices come from' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn, description: 'Subscribe on-call here' });
    new CfnOutput(this, 'StripeApiKeySecretArn', { value: stripeSecrets.apiKey.secretArn });
    new CfnOutput(this, 'StripeWebhookSecretArn', { value: stripeSecrets.webhookSecret.secretArn });
    new CfnOutput(this, 'EdgeOriginSecretArn', {
      value: this.edge.originSecret.secretArn,
      description: 'The x-kneadpay-origin secret CloudFront sends and the API requires (rotation: docs/operations.md)',
    });
  }

  /**
   * Services that write with the operations key on our behalf: CloudWatch Logs (encrypted log
   * groups), EventBridge (rule-target DLQs) and CloudWatch (alarm notifications to the topic).
   */
  private allowServicesToUse(key: Key): void {
    const sameAccount = { StringEquals: { 'aws:SourceAccount': this.account } };
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` },
        },
      }),
    );
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: sameAccount,
        }),
      );
    }
  }
}

/**
 * API access log line: ids, route templates and timings only. `routeKey` rather than the path,
 * so receipt tokens and other path values never reach the logs.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
  }),
);
