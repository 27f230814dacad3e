import { Duration, Fn, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, ParamsAndSecretsLayerVersion, ParamsAndSecretsVersions, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge, NAG } from '../compliance';
import { DeadLetterQueue, type DeadLetterQueueProps } from './DeadLetterQueue';

/** Environment variables the stack sets, named as functions/shared (config, secrets, email) reads them. */
export const FUNCTION_ENV = {
  table: 'KNEADPAY_TABLE',
  /** readSecret('STRIPE_SECRET_KEY') falls back to the ARN in `STRIPE_SECRET_KEY_ARN`. */
  stripeSecretArn: 'STRIPE_SECRET_KEY_ARN',
  stripeWebhookSecretArn: 'STRIPE_WEBHOOK_SECRET_ARN',
  sesSender: 'KNEADPAY_SES_SENDER',
  /** readSecret('KNEADPAY_RECEIPT_SECRET') falls back to the ARN in `KNEADPAY_RECEIPT_SECRET_ARN`. */
  receiptSecretArn: 'KNEADPAY_RECEIPT_SECRET_ARN',
  /** Base URL for links kneadpay hands out (Checkout return pages, receipt links). */
  publicUrl: 'KNEADPAY_PUBLIC_URL',
} as const;

/**
 * esbuild output is ESM (`index.mjs`) because @middy/core 6 ships ESM only. CommonJS packages
 * bundled into ESM still call `require('node:crypto')` and friends; esbuild's shim needs a real
 * `require` in scope, which the banner provides.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as kneadpayCreateRequire } from 'node:module'; const require = kneadpayCreateRequire(import.meta.url);";

/**
 * How long the AWS Parameters and Secrets Lambda Extension keeps a secret before it asks Secrets
 * Manager again. functions/shared/secrets.ts keeps the Stripe and receipt secrets per container and
 * re-reads the rotating origin secret every 5 minutes: a rotation reaches every warm container
 * within those 5 minutes plus this (docs/operations.md, "Rotating the edge origin secret").
 */
export const SECRETS_EXTENSION_TTL = Duration.minutes(1);

/** The extension layer (its regional ARN from CDK's table; arm64 like the functions). */
const secretsExtension = () => ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, { cacheEnabled: true, secretsManagerTtl: SECRETS_EXTENSION_TTL });

export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // Stack traces map to file:line without shipping the sources in every bundle.
  sourcesContent: false,
  // Prefer the ESM builds of the AWS SDK and middy so esbuild can tree-shake them.
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK too: the version we test is the version that runs, and cold start reads one file.
  // The Stripe SDK and pdfkit stay out of index.mjs: functions/stripe/client.ts and
  // functions/shared/pdf.ts import them on first use, each from its own bundle beside index.mjs
  // (stripeSdkBeside, pdfkitBeside), so a cold start does not parse their 240 KB and 890 KB.
  externalModules: ['stripe', 'pdfkit'],
  banner: ESM_REQUIRE_BANNER,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => [pdfkitBeside(inputDir, outputDir), webAppAssets(inputDir, outputDir), stripeSdkBeside(inputDir, outputDir)],
  },
};

/**
 * A package a bundle imports on first use (`import("<name>")`, left external by `BUNDLING`): the
 * installed package's ESM `entry` bundled by the same esbuild into one file,
 * `node_modules/<name>/index.mjs` beside index.mjs, which Node resolves the bare name to. The
 * version we test is the version that runs (the lock file's); Lambda reads it only on the
 * function's first use of it. Functions that never import it get nothing. `then` runs after, in the
 * package's folder (its `package.json` is written last and may be extended by it).
 */
function packageBeside(name: string, entry: string, inputDir: string, outputDir: string, manifest: Record<string, unknown> = {}, then = ''): string {
  const target = `${outputDir}/node_modules/${name}`;
  const json = JSON.stringify({ name, type: 'module', exports: './index.mjs', ...manifest });
  return (
    `if grep -qE 'import\\("${name}"\\)|from ?"${name}"' "${outputDir}/index.mjs"; then ` +
    `mkdir -p "${target}" && (cd "${inputDir}" && node_modules/.bin/esbuild ${entry} --bundle --platform=node --format=esm --target=node22 --minify ` +
    `--log-level=warning --banner:js="${ESM_REQUIRE_BANNER}" --outfile="${target}/index.mjs")${then ? ` && ${then}` : ''} && ` +
    `printf '%s' '${json}' > "${target}/package.json"; fi`
  );
}

/** The Stripe SDK beside a bundle that imports it (functions/stripe/client.ts). */
export function stripeSdkBeside(inputDir: string, outputDir: string): string {
  return packageBeside('stripe', 'node_modules/stripe/esm/stripe.esm.node.js', inputDir, outputDir);
}

/**
 * pdfkit beside a bundle that imports it (functions/shared/pdf.ts). pdfkit loads its standard fonts
 * at runtime with `require('#standard-fonts/Helvetica')`, a package subpath import esbuild cannot
 * see: the font modules go beside its bundle, and its package.json's `imports` resolves the same
 * specifiers there.
 */
export function pdfkitBeside(inputDir: string, outputDir: string): string {
  const fonts = `${inputDir}/node_modules/pdfkit/js/standard-fonts`;
  const target = `${outputDir}/node_modules/pdfkit`;
  return packageBeside(
    'pdfkit',
    'node_modules/pdfkit/js/pdfkit.node.mjs',
    inputDir,
    outputDir,
    { imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } },
    `mkdir -p "${target}/standard-fonts" && cp -R "${fonts}/." "${target}/standard-fonts/"`,
  );
}

/**
 * The web-app function serves the staff app's built files (web/build.ts) from `web/` next to
 * index.mjs; only its bundle carries the marker, so only its asset gets them.
 */
function webAppAssets(inputDir: string, outputDir: string): string {
  return `if grep -q 'kneadpay-web-app-assets' "${outputDir}/index.mjs"; then cd "${inputDir}" && npx tsx web/build.ts --out "${outputDir}/web"; fi`;
}

export interface KneadpayFunctionProps {
  /** Absolute path of the TypeScript file exporting `handler`. */
  entry: string;
  description: string;
  memorySize?: number;
  timeout?: Duration;
  logRetention: RetentionDays;
  logEncryptionKey: IKey;
  /** Set for functions invoked asynchronously (EventBridge rules and schedules): a DLQ and its alarm. */
  deadLetters?: DeadLetterQueueProps;
  /**
   * The function is bound a secret (Stripe, receipt links, the edge's origin secret): it gets the
   * Parameters and Secrets extension, through which functions/shared/secrets.ts reads secrets.
   */
  readsSecrets?: boolean;
  /** Reserved concurrency: at most this many run at once (an outside rate limit, e.g. Stripe's). */
  reservedConcurrency?: number;
}

/**
 * The house Lambda: Node.js 22 on arm64, one esbuild bundle with source maps, an encrypted log
 * group with retention, X-Ray, a role that starts empty, and `bind*()` methods that grant exactly
 * what the wiring table's `access` names. Each function is three lines in the stack.
 */
export class KneadpayFunction extends NodejsFunction {
  /** Present for asynchronously invoked functions. */
  readonly deadLetters: DeadLetterQueue | undefined;
  /** Whether the function has the Parameters and Secrets extension (`readsSecrets`): the only way it reads a secret. */
  readonly readsSecrets: boolean;

  constructor(scope: Construct, id: string, props: KneadpayFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to its log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    const deadLetters = props.deadLetters && new DeadLetterQueue(scope, `${id}DeadLetters`, props.deadLetters);

    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(15),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      bundling: BUNDLING,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      ...(props.readsSecrets ? { paramsAndSecrets: secretsExtension() } : {}),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      ...(deadLetters && {
        // Lambda's own retries of an async event, then the DLQ (same queue as the rule targets').
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      }),
    });
    this.deadLetters = deadLetters;
    this.readsSecrets = props.readsSecrets ?? false;
    logGroup.grantWrite(role);

    acknowledge(role, 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.', NAG.wildcard('Resource::*'));
    acknowledge(role, 'Grants are generated per function from the wiring table access; CDK writes them as one AWS::IAM::Policy attached to this role only.', NAG.inlinePolicy);
    acknowledge(this, 'Node.js 22 is the pinned runtime (docs/architecture.md, Runtimes); moving to a newer one is a tested change, not a lint fix.', NAG.latestRuntime);
    // The rule fires only where no concurrency is reserved; the reason must then be true.
    if (props.reservedConcurrency === undefined) {
      acknowledge(this, 'No reserved concurrency: carving it out of the account pool starves other functions; API Gateway stage throttling bounds the HTTP load.', NAG.lambdaConcurrency);
    }
    acknowledge(this, 'The function reaches only public AWS endpoints (DynamoDB, Secrets Manager, SES) and Stripe over TLS; there is no VPC resource to protect.', NAG.lambdaInVpc);
    if (props.deadLetters) {
      // Lambda grants sqs:SendMessage for its DLQ but not the key the queue is encrypted with.
      props.deadLetters.encryptionKey.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    } else {
      acknowledge(this, 'Invoked synchronously only (HTTP API or Pipe enrichment): the caller receives the error and retries; there is no asynchronous event to dead-letter.', NAG.lambdaDlq);
    }
  }

  /** `KNEADPAY_TABLE` and read or read/write data access (the table, its indexes and its key). */
  bindTable(table: ITable, access: 'read' | 'readwrite'): void {
    this.addEnvironment(FUNCTION_ENV.table, table.tableName);
    if (access === 'readwrite') table.grantReadWriteData(this);
    else table.grantReadData(this);
    acknowledge(
      this.role!,
      'Query access to the GSIs of this one table (index/*), and the KMS actions DynamoDB needs for its customer-managed key.',
      NAG.wildcard(`Resource::<${logicalId(table)}.Arn>/index/*`),
      ...(access === 'readwrite' ? KMS_WILDCARD_FINDINGS : []),
    );
  }

  /** The Stripe API key and webhook secret: their ARNs in the environment, read access to both. */
  bindStripeSecrets(secrets: { apiKey: ISecret; webhookSecret: ISecret }): void {
    this.assertReadsSecrets('the Stripe secrets');
    this.addEnvironment(FUNCTION_ENV.stripeSecretArn, secrets.apiKey.secretArn);
    this.addEnvironment(FUNCTION_ENV.stripeWebhookSecretArn, secrets.webhookSecret.secretArn);
    secrets.apiKey.grantRead(this);
    secrets.webhookSecret.grantRead(this);
  }

  /** The secret that signs receipt links (`/r/{token}`): its ARN in the environment, read access. */
  bindReceiptSecret(secret: ISecret): void {
    this.assertReadsSecrets('the receipt-link secret');
    this.addEnvironment(FUNCTION_ENV.receiptSecretArn, secret.secretArn);
    secret.grantRead(this);
  }

  /** The edge's origin secret (functions/shared/client-address.ts): its ARN under `envName`, read access. */
  bindOriginSecret(secret: ISecret, envName: string): void {
    this.assertReadsSecrets('the edge origin secret');
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
  }

  /** A secret bound to a function without the extension could never be read: fail the synth instead. */
  private assertReadsSecrets(what: string): void {
    if (!this.readsSecrets) throw new Error(`${this.node.id} is bound ${what} but was created without readsSecrets: it could not read it`);
  }

  /**
   * The SES sender: `KNEADPAY_SES_SENDER`, and ses:SendEmail from that address only, through
   * either identity SES may authorize it with (the address itself or its verified domain).
   */
  bindSesSender(sender: string): void {
    this.addEnvironment(FUNCTION_ENV.sesSender, sender);
    const stack = Stack.of(this);
    const identity = (name: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [identity(sender), identity(senderDomain(sender))],
        conditions: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    );
  }
}

/** What `grant*` on a customer-managed key adds; cdk-nag reports each as its own finding. */
const KMS_WILDCARD_FINDINGS = [NAG.wildcard('Action::kms:ReEncrypt*'), NAG.wildcard('Action::kms:GenerateDataKey*')];

const logicalId = (construct: Construct): string => Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;

/** The domain part of an address that may be a token (the `SesSender` parameter). */
const senderDomain = (sender: string): string => Fn.select(1, Fn.split('@', sender, 2));
