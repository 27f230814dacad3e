import { beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_HEADER, ORIGIN_SECRET_ARN_ENV, originSecretValues, VIEWER_ADDRESS_HEADER } from '../../functions/shared/client-address';
import { ORIGIN_SECRET_HEADER, ORIGIN_SECRET_KEY, VIEWER_ADDRESS_PATH, WEB_ACL_REGION } from '../../lib/constructs/EdgeDistribution';
import { EDGE_EVALUATION_WINDOW_SECONDS, EDGE_RATE_RULES } from '../../lib/edge-limits';
import { cdkJsonContext, createKneadpayApp } from '../../lib/kneadpay-app';
import type { KneadpayStack } from '../../lib/kneadpay-stack';
import { AUTH, ROUTES } from '../../lib/wiring';

/**
 * Issue 17, finding 2, the edge: CloudFront in front of the HTTP API with an AWS WAF web ACL
 * (scope CLOUDFRONT) whose rate-based rules count per client IP, each scoped down by URI path, so
 * the public routes, the Stripe webhook and the staff routes are limited separately
 * (docs/decisions/007-abuse-limits.md). And what makes the API trust it and nothing else: the
 * origin secret CloudFront adds (x-kneadpay-origin, from a generated secret by dynamic reference),
 * CloudFront-Viewer-Address on the storefront's paths, the secret granted to routed functions only.
 * Template assertions only: synthesized, never deployed here.
 */
type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };
let stack: KneadpayStack;
let resources: Record<string, Resource>;
let conditions: Record<string, unknown>;
let outputs: Record<string, { Value: unknown; Condition?: string }>;
let parameters: Record<string, Record<string, unknown>>;

/** CloudFront's managed policies, by their fixed ids (AWS documentation: managed cache / origin request policies). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const single = (type: string): [string, Resource] => {
  const found = Object.entries(resources).filter(([, resource]) => resource.Type === type);
  expect(found.length, type).toBe(1);
  return found[0]!;
};
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

/** The path prefixes of a rule's scope-down statement (one byte match, or an OR of them). */
const scopeDownPrefixes = (statement: Record<string, any>): string[] => {
  const matches = statement.OrStatement ? statement.OrStatement.Statements : [statement];
  return matches.map((match: Record<string, any>) => {
    expect(match.ByteMatchStatement.FieldToMatch).toEqual({ UriPath: {} });
    expect(match.ByteMatchStatement.PositionalConstraint).toBe('STARTS_WITH');
    return match.ByteMatchStatement.SearchString as string;
  });
};

beforeAll(() => {
  const built = createKneadpayApp({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] }, compliance: false });
  stack = built.stack;
  const template = built.app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Resource>;
    Conditions: Record<string, unknown>;
    Outputs: Record<string, { Value: unknown; Condition?: string }>;
    Parameters: Record<string, Record<string, unknown>>;
  };
  resources = template.Resources;
  conditions = template.Conditions;
  outputs = template.Outputs;
  parameters = template.Parameters;
});

describe('the WAF web ACL at the edge', () => {
  it('is a CLOUDFRONT web ACL, allowing by default, created only where one can exist (us-east-1)', () => {
    const [, acl] = single('AWS::WAFv2::WebACL');
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Condition).toBeDefined();
    expect(conditions[acl.Condition!]).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, WEB_ACL_REGION] });
    expect(WEB_ACL_REGION).toBe('us-east-1');
  });

  it('has one per-IP rate rule per route kind, each with its limit, scoped down to its paths, answering 429', () => {
    const [, acl] = single('AWS::WAFv2::WebACL');
    const rules = acl.Properties.Rules as Record<string, any>[];
    expect(rules.map((rule) => rule.Name).sort()).toEqual(
      Object.values(EDGE_RATE_RULES)
        .map((rule) => rule.name)
        .sort(),
    );
    for (const expected of Object.values(EDGE_RATE_RULES)) {
      const rule = rules.find((candidate) => candidate.Name === expected.name)!;
      const rate = rule.Statement.RateBasedStatement;
      expect(rate.AggregateKeyType, expected.name).toBe('IP');
      expect(rate.Limit, expected.name).toBe(expected.limit);
      expect(rate.EvaluationWindowSec, expected.name).toBe(EDGE_EVALUATION_WINDOW_SECONDS);
      expect(scopeDownPrefixes(rate.ScopeDownStatement), expected.name).toEqual([...expected.pathPrefixes]);
      expect(rule.Action, expected.name).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
      expect(rule.VisibilityConfig, expected.name).toMatchObject({ CloudWatchMetricsEnabled: true, MetricName: expected.name });
    }
    // The figures as decided (docs/decisions/007-abuse-limits.md): per IP per 5 minutes.
    expect(scopeDownPrefixes(rules.find((rule) => rule.Name === 'PublicRoutesPerIp')!.Statement.RateBasedStatement.ScopeDownStatement)).toEqual(['/p/', '/r/', '/app']);
    expect(EDGE_RATE_RULES.public.limit).toBe(300);
    expect(EDGE_RATE_RULES.webhook.limit).toBeGreaterThan(EDGE_RATE_RULES.staff.limit);
    expect(EDGE_RATE_RULES.staff.limit).toBeGreaterThan(EDGE_RATE_RULES.public.limit);
  });

  it('counts every route under exactly one rule, the one of its kind (public, webhook, staff)', () => {
    const kindOf = { [AUTH.public]: EDGE_RATE_RULES.public, [AUTH.stripeSignature]: EDGE_RATE_RULES.webhook, [AUTH.jwt]: EDGE_RATE_RULES.staff };
    for (const route of ROUTES) {
      const matching = Object.values(EDGE_RATE_RULES).filter((rule) => rule.pathPrefixes.some((prefix) => route.path.startsWith(prefix)));
      expect(
        matching.map((rule) => rule.name),
        `${route.method} ${route.path}`,
      ).toEqual([kindOf[route.auth].name]);
    }
  });

  it('logs to an aws-waf-logs-* group under the ops key, with Authorization and Stripe-Signature redacted, under the same condition', () => {
    const [aclId, acl] = single('AWS::WAFv2::WebACL');
    const [, logging] = single('AWS::WAFv2::LoggingConfiguration');
    expect(logging.Properties.ResourceArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'stripe-signature' } }]);
    expect(logging.Condition).toBe(acl.Condition);
    // The destination names its log group by Ref inside the ARN it builds (see the next test).
    const [groupId] = (logging.Properties.LogDestinationConfigs as unknown[]).map((arn) => /"Ref":"(?!AWS::)([^"]+)"/.exec(JSON.stringify(arn))?.[1]);
    const group = resources[groupId!]!;
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Condition).toBe(acl.Condition);
    expect(JSON.stringify(group.Properties.LogGroupName)).toMatch(/^\{"Fn::Join":\["",\["aws-waf-logs-kneadpay-"/);
    expect(group.Properties.KmsKeyId).toBeDefined();
    expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('names the log group by the ARN WAF accepts, arn:…:log-group:aws-waf-logs-…, not the GetAtt Arn with its :* suffix', () => {
    // AWS WAF Developer Guide, "Amazon CloudWatch Logs": the destination ARN is
    // arn:aws:logs:<region>:<account>:log-group:aws-waf-logs-<suffix>. A log group's Fn::GetAtt Arn
    // ends in ":*", which PutLoggingConfiguration refuses ("The ARN isn't valid", aws/aws-cdk#18253),
    // rolling back a us-east-1 deploy.
    const [, logging] = single('AWS::WAFv2::LoggingConfiguration');
    const [destination] = logging.Properties.LogDestinationConfigs as unknown[];
    expect(JSON.stringify(destination)).not.toContain('"Fn::GetAtt"');
    const wafGroupId = Object.entries(resources).find(
      ([, resource]) => resource.Type === 'AWS::Logs::LogGroup' && JSON.stringify(resource.Properties.LogGroupName ?? '').includes('aws-waf-logs-'),
    )![0];
    expect(destination).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: wafGroupId }]],
    });
  });
});

describe('the CloudFront distribution in front of the HTTP API', () => {
  it('is associated with the web ACL (where it exists)', () => {
    const [aclId, acl] = single('AWS::WAFv2::WebACL');
    const [, distribution] = single('AWS::CloudFront::Distribution');
    expect(distribution.Properties.DistributionConfig.WebACLId).toEqual({ 'Fn::If': [acl.Condition, { 'Fn::GetAtt': [aclId, 'Arn'] }, { Ref: 'AWS::NoValue' }] });
  });

  it('forwards everything the API needs and caches nothing: all methods, viewer headers but Host, query strings, HTTPS both ways', () => {
    const [, distribution] = single('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig;
    const behavior = config.DefaultCacheBehavior;
    expect(behavior.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(behavior.CachePolicyId).toBe(CACHING_DISABLED);
    expect(behavior.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    // One more behavior, the storefront's (its own origin request policy, below); the same origin.
    expect((config.CacheBehaviors as Record<string, any>[]).map((extra) => extra.PathPattern)).toEqual([VIEWER_ADDRESS_PATH]);
    // No edge function or function association touches the request (the webhook's body is signed as is).
    for (const each of [behavior, ...config.CacheBehaviors]) {
      expect(each.FunctionAssociations).toBeUndefined();
      expect(each.LambdaFunctionAssociations).toBeUndefined();
      expect(each.TargetOriginId).toBe(behavior.TargetOriginId);
    }
    const [origin] = config.Origins as Record<string, any>[];
    expect(config.Origins).toHaveLength(1);
    expect(origin!.DomainName).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [logicalId(stack.api), 'ApiEndpoint'] }] }] });
    expect(origin!.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('the storefront (/p/*) forwards CloudFront-Viewer-Address with a custom origin request policy: not Host, not Authorization, the same methods, nothing cached', () => {
    const [policyId, policy] = single('AWS::CloudFront::OriginRequestPolicy');
    const [, distribution] = single('AWS::CloudFront::Distribution');
    const storefront = (distribution.Properties.DistributionConfig.CacheBehaviors as Record<string, any>[])[0]!;
    expect(storefront.PathPattern).toBe('/p/*');
    expect(storefront.OriginRequestPolicyId).toEqual({ Ref: policyId });
    expect(storefront.CachePolicyId).toBe(CACHING_DISABLED);
    expect(storefront.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(storefront.ViewerProtocolPolicy).toBe('https-only');
    const config = policy.Properties.OriginRequestPolicyConfig;
    expect(config.HeadersConfig.HeaderBehavior).toBe('whitelist');
    const headers = (config.HeadersConfig.Headers as string[]).map((name) => name.toLowerCase());
    expect(headers).toContain(VIEWER_ADDRESS_HEADER);
    // What the storefront reads: the form or JSON body's type, and whether JSON is wanted.
    expect(headers).toEqual(expect.arrayContaining(['content-type', 'accept']));
    expect(headers).not.toContain('host');
    expect(headers).not.toContain('authorization');
    expect(headers).not.toContain(ORIGIN_HEADER);
    expect(config.QueryStringsConfig.QueryStringBehavior).toBe('all');
    expect(config.CookiesConfig.CookieBehavior).toBe('all');
    // Every public page lives under /p/ except receipt links and the app shell, which need no address.
    expect(ROUTES.filter((route) => route.fn === 'storefront').every((route) => route.path.startsWith('/p/'))).toBe(true);
  });

  it('adds the origin secret to every origin request: x-kneadpay-origin, resolved from the generated secret at deploy', () => {
    const [, distribution] = single('AWS::CloudFront::Distribution');
    const [origin] = distribution.Properties.DistributionConfig.Origins as Record<string, any>[];
    const secretId = logicalId(stack.edge.originSecret);
    expect(ORIGIN_SECRET_HEADER).toBe(ORIGIN_HEADER);
    expect(origin!.OriginCustomHeaders).toEqual([
      {
        HeaderName: ORIGIN_HEADER,
        HeaderValue: {
          'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, `:SecretString:${ORIGIN_SECRET_KEY}::`, { Ref: 'EdgeOriginVersionId' }, '}}']],
        },
      },
    ]);
    // The version id is a parameter, empty by default (the current version); rotation names the new one.
    expect(parameters.EdgeOriginVersionId).toMatchObject({ Type: 'String', Default: '' });
    const secret = resources[secretId]!;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'current', SecretStringTemplate: '{}', PasswordLength: 64, ExcludePunctuation: true });
    expect(secret.Properties.KmsKeyId).toBeDefined();
    expect(outputs.EdgeOriginSecretArn!.Value).toEqual({ Ref: secretId });
    // The functions read the same JSON key CloudFront sends.
    expect(originSecretValues(JSON.stringify({ [ORIGIN_SECRET_KEY]: 'generated' }))).toEqual(['generated']);
  });

  it('tells every function behind a route where the origin secret is and lets it read it; no other function', () => {
    const secretId = logicalId(stack.edge.originSecret);
    const routed = new Set(ROUTES.map((route) => route.fn));
    expect(routed.size).toBeGreaterThan(5);
    for (const [name, fn] of stack.functions) {
      const props = resources[logicalId(fn)]!.Properties;
      const variables = props.Environment.Variables as Record<string, unknown>;
      expect(variables[ORIGIN_SECRET_ARN_ENV], name).toEqual(routed.has(name as never) ? { Ref: secretId } : undefined);
      const roleId = logicalId(fn.role as never);
      const readsSecret = Object.values(resources)
        .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(`"${roleId}"`))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[])
        .some((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue') && [statement.Resource].flat().some((resource) => resource?.Ref === secretId));
      expect(readsSecret, name).toBe(routed.has(name as never));
    }
  });

  it("is the public URL: outputs, the functions' KNEADPAY_PUBLIC_URL and the Stripe webhook URL", () => {
    const url = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }]] };
    expect(outputs.PublicUrl!.Value).toEqual(url);
    expect(outputs.StripeWebhookUrl!.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }, '/webhooks/stripe']] });
    const [aclId, acl] = single('AWS::WAFv2::WebACL');
    expect(outputs.EdgeWebAclArn).toEqual(expect.objectContaining({ Value: { 'Fn::GetAtt': [aclId, 'Arn'] }, Condition: acl.Condition }));
  });
});
