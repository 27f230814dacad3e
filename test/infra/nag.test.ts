import { App, Stack } from 'aws-cdk-lib';
import { FeaturePlan, Mfa, UserPool } from 'aws-cdk-lib/aws-cognito';
import { beforeAll, describe, expect, it } from 'vitest';
import { addComplianceChecks, compliancePacks, STRICT_VALIDATION_CONTEXT } from '../../lib/compliance';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';

/**
 * cdk-nag, the way `cdk synth` runs it: the app from bin/app.ts with both packs registered and
 * strict validation. Synthesized once; the packs are then asked again for a readable list.
 */
let app: App;
let synthFailure: string | undefined;

const findingsIn = (scope: App): string[] =>
  compliancePacks().flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}: ${violation.description}`)),
  );

beforeAll(() => {
  // Prepare
  app = createKneadpayApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } }).app;
  // Act
  try {
    app.synth();
  } catch (error) {
    synthFailure = String(error);
  }
});

describe('cdk-nag AwsSolutions and HIPAA Security on the deployed stack', () => {
  it('has no unacknowledged error or warning', () => {
    // Assess
    const findings = findingsIn(app);
    expect(findings, `cdk-nag findings:\n${findings.join('\n')}`).toEqual([]);
  });

  it('synthesizes with the packs registered and strict validation (what `npx cdk synth` runs)', () => {
    expect(synthFailure).toBeUndefined();
  });
});

describe('strict validation', () => {
  it('fails synth on a warning alone', () => {
    // Prepare: a user pool that satisfies every rule except AwsSolutions-COG2 (MFA optional), a warning.
    const probe = new App({ context: { ...STRICT_VALIDATION_CONTEXT } });
    new UserPool(new Stack(probe, 'Probe'), 'Pool', {
      featurePlan: FeaturePlan.PLUS,
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireSymbols: true, requireUppercase: true },
    });
    addComplianceChecks(probe);

    // Act
    const synth = () => probe.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-COG2/);
    const severities = compliancePacks().flatMap((pack) => pack.validateScope(probe).violations.map((violation) => violation.severity));
    expect(severities).toEqual(['warning']);
  });
});
