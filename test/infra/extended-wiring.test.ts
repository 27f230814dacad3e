import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { compliancePacks } from '../../lib/compliance';
import { FUNCTION_ENV } from '../../lib/constructs/KneadpayFunction';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import { KneadpayStack } from '../../lib/kneadpay-stack';
import type { Wiring } from '../../lib/stack-wiring';
import { AUTH, EVENT_SOURCE } from '../../lib/wiring';
import { METRIC_ALARMS } from '../../lib/constructs/MetricAlarms';

/**
 * The stack is generated from whatever the wiring table holds. This table is what kneadpay grows
 * into (every auth kind, event rules, schedules, SES and read-only access), pointed at an entry
 * file that exists so no bundling is needed: it proves each kind of row is wired, and that the
 * cdk-nag acknowledgements follow the rows instead of being written for today's table.
 */
const ENTRY = 'functions/practices.ts';
const EXTENDED: Wiring = {
  functions: {
    'staff-reports': { entry: ENTRY, description: 'Reports for staff (read only)', access: { table: 'read' } },
    storefront: { entry: ENTRY, description: 'Public pages', access: { table: 'readwrite', stripe: true } },
    'stripe-webhook': { entry: ENTRY, description: 'Stripe webhooks', access: { table: 'readwrite', stripe: true } },
    'balance-invoicer': { entry: ENTRY, description: 'Invoices patient balances', timeoutSeconds: 60, access: { table: 'readwrite', stripe: true, ses: true } },
    'receipt-issuer': { entry: ENTRY, description: 'Emails receipts', memoryMb: 1024, access: { table: 'readwrite', ses: true } },
    'invoice-reminder': { entry: ENTRY, description: 'Reminds about open invoices', access: { table: 'read', ses: true } },
  },
  routes: [
    { method: 'GET', path: '/practices/{practiceId}/reports', fn: 'staff-reports', auth: AUTH.jwt },
    { method: 'GET', path: '/p/{practiceId}', fn: 'storefront', auth: AUTH.public },
    { method: 'GET', path: '/r/{token}', fn: 'storefront', auth: AUTH.public },
    { method: 'POST', path: '/webhooks/stripe', fn: 'stripe-webhook', auth: AUTH.stripeSignature },
  ],
  rules: [
    { detailType: 'ClaimAdjudicated', fn: 'balance-invoicer' },
    { detailType: 'PaymentSucceeded', fn: 'receipt-issuer' },
    { detailType: 'PackagePurchased', fn: 'receipt-issuer' },
  ],
  schedules: [
    { fn: 'invoice-reminder', expression: 'cron(0 14 * * ? *)', description: 'Daily invoice reminders' },
    { fn: 'balance-invoicer', expression: 'rate(6 hours)', description: 'Sweep claims not yet invoiced' },
  ],
};

let app: App;
let stack: KneadpayStack;
let template: Template;

const logicalId = (construct: { node: { defaultChild?: unknown } }) => Stack.of(stack).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const fnId = (name: string) => logicalId(stack.functions.get(name)!);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const dlqOf = (name: string) => logicalId(stack.functions.get(name)!.deadLetters!.queue);

beforeAll(() => {
  // Prepare
  const built = createKneadpayApp({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    stack: { wiring: EXTENDED },
    compliance: false,
  });
  app = built.app;
  stack = built.stack;
  // Act
  template = Template.fromStack(stack);
});

describe('a stack built from an extended wiring table', () => {
  it('routes every EventBridge rule from the kneadpay bus to its function, with retries and the function DLQ', () => {
    for (const rule of EXTENDED.rules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: logicalId(stack.bus) },
        EventPattern: { source: [EVENT_SOURCE], 'detail-type': [rule.detailType] },
        Targets: [
          Match.objectLike({
            Arn: arnOf(fnId(rule.fn)),
            DeadLetterConfig: { Arn: arnOf(dlqOf(rule.fn)) },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
          }),
        ],
      });
    }
  });

  it('runs every schedule on its expression with the same delivery policy', () => {
    for (const schedule of EXTENDED.schedules) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: schedule.expression,
        Targets: [Match.objectLike({ Arn: arnOf(fnId(schedule.fn)), DeadLetterConfig: { Arn: arnOf(dlqOf(schedule.fn)) } })],
      });
    }
  });

  it('gives a function on two rules and a schedule one DLQ, one alarm; HTTP-only functions none', () => {
    expect(template.findResources('AWS::SQS::Queue')).toSatisfy((queues: object) => Object.keys(queues).length === 3 + 1);
    // One per DLQ (3 + the pipe's) and one per alarmed EMF metric (lib/constructs/MetricAlarms.ts).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 + 1 + Object.keys(METRIC_ALARMS).length);
    for (const name of ['staff-reports', 'storefront', 'stripe-webhook']) {
      expect(stack.functions.get(name)!.deadLetters, name).toBeUndefined();
      expect(template.toJSON().Resources[fnId(name)].Properties.DeadLetterConfig, name).toBeUndefined();
    }
  });

  it('leaves public and stripe-signature routes to their functions and puts the JWT authorizer on jwt routes', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
    for (const route of EXTENDED.routes) {
      const props = routes.find((candidate) => candidate.RouteKey === `${route.method} ${route.path}`);
      expect(props?.AuthorizationType, route.path).toBe(route.auth === AUTH.jwt ? 'JWT' : 'NONE');
    }
    template.hasOutput('StripeWebhookUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }, '/webhooks/stripe']] } });
  });

  it('gives functions with access.ses the sender and ses:SendEmail from that address only', () => {
    for (const [name, spec] of Object.entries(EXTENDED.functions)) {
      const variables = template.toJSON().Resources[fnId(name)].Properties.Environment.Variables;
      expect(variables[FUNCTION_ENV.sesSender], name).toEqual(spec.access.ses ? { Ref: 'SesSender' } : undefined);
    }
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(stack.functions.get('receipt-issuer')!.role!) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'ses:SendEmail', Condition: { StringEquals: { 'ses:FromAddress': { Ref: 'SesSender' } } } })]),
      },
    });
  });

  it('honours memory, timeout and read-only access from the table', () => {
    const resources = template.toJSON().Resources;
    expect(resources[fnId('receipt-issuer')].Properties.MemorySize).toBe(1024);
    expect(resources[fnId('balance-invoicer')].Properties.Timeout).toBe(60);
    const readOnly = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(stack.functions.get('staff-reports')!.role!) }] } })));
    expect(readOnly).toContain('dynamodb:Query');
    expect(readOnly).not.toContain('dynamodb:PutItem');
  });

  it('passes AwsSolutions and HIPAA Security with no new finding: acknowledgements follow the rows', () => {
    const findings = compliancePacks().flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}: ${violation.description}`)),
    );
    expect(findings, findings.join('\n')).toEqual([]);
  });
});

describe('a wiring table with mistakes', () => {
  it('fails synth naming each bad row', () => {
    // Prepare
    const broken: Wiring = {
      functions: { 'balance-invoicer': { entry: 'functions/does-not-exist.ts', description: 'x', access: { table: 'read' } } },
      routes: [{ method: 'GET', path: '/p/{practiceId}', fn: 'storefront', auth: AUTH.public }],
      rules: [{ detailType: 'ClaimAdjudicated', fn: 'balance-invoicer' }],
      schedules: [{ fn: 'balance-invoicer', expression: 'every hour', description: 'x' }],
    };

    // Act
    const build = () => new KneadpayStack(new App(), 'Broken', { wiring: broken });

    // Assess
    expect(build).toThrow(/entry functions\/does-not-exist\.ts does not exist/);
    expect(build).toThrow(/route GET \/p\/\{practiceId\}: function "storefront" is not in FUNCTIONS/);
    expect(build).toThrow(/use rate\(…\) or cron\(…\)/);
  });
});
