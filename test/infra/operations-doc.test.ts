import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import { asyncFunctionNames, WIRING } from '../../lib/stack-wiring';

/**
 * The operations docs against the stack they describe: the commands an operator copies from
 * docs/operations.md must run as written, and docs/cost.md's fixed costs must count what the
 * template creates. Read as text; the template synthesized once, bundling skipped.
 */
const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const runbook = doc('operations.md');
const cost = doc('cost.md');

/** Every `aws lambda invoke …` command in the runbook, its continuation lines joined. */
const lambdaInvokes = (): string[] => [...runbook.replace(/\\\n\s*/g, ' ').matchAll(/aws lambda invoke[^`\n]*/g)].map((match) => match[0]);

let resources: Record<string, { Type: string }>;
let parameters: Record<string, { Default?: unknown }>;

beforeAll(() => {
  const { stack } = createKneadpayApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, compliance: false });
  const template = Template.fromStack(stack).toJSON();
  resources = template.Resources as Record<string, { Type: string }>;
  parameters = template.Parameters as Record<string, { Default?: unknown }>;
});

describe('docs/operations.md: the commands run as written', () => {
  it('passes every --payload as raw JSON (AWS CLI v2 reads a blob as base64 unless --cli-binary-format raw-in-base64-out)', () => {
    // AWS Lambda Developer Guide, "Invoke a Lambda function synchronously": the cli-binary-format
    // option is required with AWS CLI version 2; without it `--payload '{}'` fails as invalid base64.
    const invokes = lambdaInvokes().filter((command) => command.includes('--payload'));
    expect(invokes.length).toBeGreaterThan(0);
    for (const command of invokes) expect(command, command).toContain('--cli-binary-format raw-in-base64-out');
  });

  it('waits for a synchronous invoke as long as the function may run (the CLI gives up reading after 60 s and retries)', () => {
    // AWS CLI: --cli-read-timeout defaults to 60 s, 0 blocks; the scheduled functions run up to 300 s.
    const longest = Math.max(...Object.values(WIRING.functions).map((spec) => spec.timeoutSeconds ?? 15));
    expect(longest).toBeGreaterThan(60);
    const synchronous = lambdaInvokes().filter((command) => !command.includes('--invocation-type Event'));
    expect(synchronous.length).toBeGreaterThan(0);
    for (const command of synchronous) {
      const timeout = /--cli-read-timeout (\d+)/.exec(command);
      expect(timeout, command).not.toBeNull();
      const seconds = Number(timeout![1]);
      expect(seconds === 0 || seconds >= longest, command).toBe(true);
    }
  });

  it('names the Lambda concurrency the stack needs: its reserved concurrency plus the 100 Lambda keeps unreserved', () => {
    // Lambda API reference, PutFunctionConcurrency: at least 100 simultaneous executions must stay
    // unreserved; an account whose quota is lower fails the deploy of a function with reserved concurrency.
    const reserved = Object.values(WIRING.functions).reduce((sum, spec) => sum + ((spec as { reservedConcurrency?: number }).reservedConcurrency ?? 0), 0);
    expect(reserved).toBeGreaterThan(0);
    const prerequisites = runbook.slice(runbook.indexOf('## Prerequisites'), runbook.indexOf('## Check, then deploy'));
    expect(prerequisites).toContain('aws lambda get-account-settings');
    expect(prerequisites).toContain(`at least ${reserved + 100}`);
  });
});

describe('the first deploy, as README.md and docs/operations.md write it', () => {
  it('passes every template parameter that has no default (CloudFormation refuses a stack missing one)', () => {
    const required = Object.entries(parameters)
      .filter(([, parameter]) => parameter.Default === undefined)
      .map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [where, text] of [
      ['README.md', readme],
      ['docs/operations.md', runbook],
    ] as const) {
      const deploys = [...text.replace(/\\\n\s*/g, ' ').matchAll(/npx cdk deploy[^\n#]*/g)].map((match) => match[0]);
      // The first deploy is the one that names SesSender; later ones (a rotation) reuse the parameters.
      const first = deploys.find((command) => command.includes('SesSender='));
      expect(first, where).toBeDefined();
      for (const name of required) expect(first, `${where}: ${name}`).toContain(`--parameters ${name}=`);
    }
  });
});

describe('docs/cost.md: the fixed costs count what the stack creates', () => {
  it('prices one alarm per alarm in the template and names every asynchronous function with a dead-letter queue', () => {
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').length;
    const row = cost.split('\n').find((line) => line.startsWith('| CloudWatch alarms'));
    expect(row).toBeDefined();
    expect(row).toContain(`$${(alarms * 0.1).toFixed(2)} |`);
    for (const name of asyncFunctionNames(WIRING)) expect(row, name).toContain(name);
  });

  it('lists every schedule among the scheduled runs', () => {
    const row = cost.split('\n').find((line) => line.startsWith('| Scheduled runs'));
    expect(row).toBeDefined();
    for (const schedule of WIRING.schedules) expect(row, schedule.fn).toContain(schedule.fn);
  });
});
