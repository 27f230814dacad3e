import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Context that makes synth fail on any finding, warnings included: cdk-nag reports warnings
 * (e.g. AwsSolutions-COG2) as `warning`, which CDK only counts as failures in strict mode.
 * Annotations (CDK's own warnings) join the same report, so they fail synth too.
 */
export const STRICT_VALIDATION_CONTEXT = {
  '@aws-cdk/core:strictCfnValidateErrors': true,
  '@aws-cdk/core:annotationsInValidationReport': true,
  '@aws-cdk/core:failSynthOnValidationErrors': true,
} as const;

/** The packs every synth runs (cdk-nag 3: validation plugins, not Aspects). */
export const compliancePacks = () => [new AwsSolutionsChecks(), new HIPAASecurityChecks()];

/** Registers both packs on the app: any unacknowledged error or warning fails `cdk synth`. */
export const addComplianceChecks = (app: App): void => {
  Validations.of(app).addPlugins(...compliancePacks());
};

/** The cdk-nag rule ids this project acknowledges somewhere, named once. */
export const NAG = {
  wildcard: (finding: string) => `AwsSolutions-IAM5[${finding}]`,
  managedPolicy: (finding: string) => `AwsSolutions-IAM4[${finding}]`,
  inlinePolicy: 'HIPAA.Security-IAMNoInlinePolicy',
  latestRuntime: 'AwsSolutions-L1',
  lambdaConcurrency: 'HIPAA.Security-LambdaConcurrency',
  lambdaInVpc: 'HIPAA.Security-LambdaInsideVPC',
  lambdaDlq: 'HIPAA.Security-LambdaDLQ',
  routeAuthorization: 'AwsSolutions-APIG4',
  queueDlq: 'AwsSolutions-SQS3',
  secretRotation: ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled'],
  backupPlan: 'HIPAA.Security-DynamoDBInBackupPlan',
  cloudFrontGeo: 'AwsSolutions-CFR1',
  cloudFrontAccessLogs: 'AwsSolutions-CFR3',
  cloudFrontViewerTls: 'AwsSolutions-CFR4',
} as const;

/**
 * Acknowledges cdk-nag findings on one construct (and what it contains) with the reason a
 * reviewer reads. Kept next to the resource it excuses, never app- or stack-wide.
 */
export const acknowledge = (scope: IConstruct, reason: string, ...ids: readonly string[]): void => {
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
};
