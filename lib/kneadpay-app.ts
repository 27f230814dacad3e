import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addComplianceChecks, STRICT_VALIDATION_CONTEXT } from './compliance';
import { KneadpayStack, type KneadpayStackProps } from './kneadpay-stack';
import { PROJECT_ROOT } from './stack-wiring';

export const STACK_NAME = 'Kneadpay';

export interface KneadpayAppOptions {
  /** Extra context, e.g. `aws:cdk:bundling-stacks: []` in tests. */
  context?: Record<string, unknown>;
  stack?: KneadpayStackProps;
  /**
   * Run the cdk-nag packs and CDK's built-in CloudFormation schema validation (default true;
   * `cdk synth` always does). Tests that only read the template turn both off to stay fast.
   */
  compliance?: boolean;
}

/**
 * The app `bin/app.ts` runs and the infra tests build: one env-agnostic stack, strict validation,
 * cdk-nag AwsSolutions and HIPAA Security.
 */
export const createKneadpayApp = (options: KneadpayAppOptions = {}) => {
  const compliance = options.compliance ?? true;
  const app = new App({
    context: { ...STRICT_VALIDATION_CONTEXT, ...options.context },
    builtinCloudFormationValidation: compliance,
  });
  const stack = new KneadpayStack(app, STACK_NAME, {
    description: 'kneadpay: invoicing and payments for massage and bodywork practices',
    ...options.stack,
  });
  if (compliance) addComplianceChecks(app);
  return { app, stack };
};

/** cdk.json's context (feature flags), so tests synthesize exactly what `cdk synth` does. */
export const cdkJsonContext = (): Record<string, unknown> => (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
