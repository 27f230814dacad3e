/**
 * The held balance invoice sweep in the stack (bug 93): a schedule row targeting the balance invoicer
 * (lib/wiring.ts SCHEDULES), hourly on the default bus, with the function's own dead-letter queue and
 * retry policy, and a timeout that fits a walk over every practice. The template is synthesized
 * without bundling, as test/infra/stack.test.ts does.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import type { KneadpayStack } from '../../lib/kneadpay-stack';
import { FUNCTIONS, RULES, SCHEDULES } from '../../lib/wiring';

let stack: KneadpayStack;
let template: Template;

beforeAll(() => {
  stack = createKneadpayApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, compliance: false }).stack;
  template = Template.fromStack(stack);
});

describe('the hourly sweep of held balance invoices', () => {
  it('is a schedule of the balance invoicer — the function that consumes StripeAccountUpdated — hourly, on the default bus, into its dead-letter queue', () => {
    // Assess (PaymentSucceeded since bug 100: a payment that overtook a void re-plans its claim;
    // PatientBalanceReleased since the balance holds: staff's "bill the patient now" is billed here)
    expect(SCHEDULES.filter((schedule) => schedule.fn === 'balance-invoicer').map((schedule) => schedule.expression)).toEqual(['rate(1 hour)']);
    expect(RULES.filter((rule) => rule.fn === 'balance-invoicer').map((rule) => rule.detailType)).toEqual(['ClaimAdjudicated', 'StripeAccountUpdated', 'PaymentSucceeded', 'PatientBalanceReleased']);
    const fnId = Stack.of(stack).resolve((stack.functions.get('balance-invoicer')!.node.defaultChild as CfnElement).logicalId) as string;
    const resources = template.toJSON().Resources as Record<string, { Properties: Record<string, any> }>;
    const [queueId] = resources[fnId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'];
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      EventBusName: Match.absent(),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } } })],
    });
    // A walk over every practice (three Queries each) inside Lambda's limit, within Stripe's rate budget.
    expect(resources[fnId]!.Properties.Timeout).toBe(300);
    expect(FUNCTIONS['balance-invoicer'].reservedConcurrency).toBe(4);
    expect(resources[fnId]!.Properties.ReservedConcurrentExecutions).toBe(4);
  });
});
