import { Aws, CfnCondition, type CfnResource, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge, NAG } from '../compliance';
import { EDGE_EVALUATION_WINDOW_SECONDS, EDGE_RATE_RULES, type EdgeRateRule } from '../edge-limits';

export interface EdgeDistributionProps {
  api: HttpApi;
  logRetention: RetentionDays;
  logEncryptionKey: IKey;
}

/** A CLOUDFRONT-scope web ACL can only be created in us-east-1 (docs/decisions/007-abuse-limits.md). */
export const WEB_ACL_REGION = 'us-east-1';

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

const pathStartsWith = (prefix: string): CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'STARTS_WITH',
    searchString: prefix,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

const rateRule = (rule: EdgeRateRule): CfnWebACL.RuleProperty => ({
  name: rule.name,
  priority: rule.priority,
  action: { block: { customResponse: { responseCode: 429 } } },
  visibilityConfig: visibility(rule.name),
  statement: {
    rateBasedStatement: {
      aggregateKeyType: 'IP',
      limit: rule.limit,
      evaluationWindowSec: EDGE_EVALUATION_WINDOW_SECONDS,
      scopeDownStatement:
        rule.pathPrefixes.length === 1
          ? pathStartsWith(rule.pathPrefixes[0]!)
          : { orStatement: { statements: rule.pathPrefixes.map(pathStartsWith) } },
    },
  },
});

/**
 * CloudFront in front of the HTTP API, with a WAF web ACL of per-IP rate-based rules
 * (lib/edge-limits.ts). Nothing is cached: every method, header (Authorization, Stripe-Signature;
 * the Host is the API's own), cookie and query string reaches the API, and bodies pass unchanged,
 * so the Stripe signature over the raw body still verifies.
 *
 * The web ACL, its log group and logging exist only when the stack is deployed in us-east-1 (a
 * CloudFormation condition); elsewhere the distribution deploys without one and the
 * `EdgeWebAclArn` output says so.
 */
export class EdgeDistribution extends Construct {
  readonly distribution: Distribution;
  readonly webAcl: CfnWebACL;
  readonly inWebAclRegion: CfnCondition;
  /** `https://<id>.cloudfront.net`, no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    this.inWebAclRegion = new CfnCondition(this, 'InWebAclRegion', { expression: Fn.conditionEquals(Aws.REGION, WEB_ACL_REGION) });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'kneadpay: per-IP rate limits on the public, webhook and staff routes',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('KneadpayEdge'),
      rules: Object.values(EDGE_RATE_RULES).map(rateRule),
    });
    this.webAcl.cfnOptions.condition = this.inWebAclRegion;

    // WAF logs go to a log group whose name starts with aws-waf-logs-, in the web ACL's region.
    const wafLogs = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-kneadpay-${Aws.STACK_NAME}`,
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (wafLogs.node.defaultChild as CfnResource).cfnOptions.condition = this.inWebAclRegion;
    const logging = new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [wafLogs.logGroupArn],
      // Staff tokens and Stripe signatures never reach a log.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'stripe-signature' } }],
    });
    logging.cfnOptions.condition = this.inWebAclRegion;

    // The API's endpoint is https://<id>.execute-api.<region>.amazonaws.com: the origin is its host.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'kneadpay: the HTTP API behind AWS WAF',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: Fn.conditionIf(this.inWebAclRegion.logicalId, this.webAcl.attrArn, Aws.NO_VALUE).toString(),
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: false,
      },
    });
    acknowledge(
      this.distribution,
      'Practices\' clients pay from wherever they are and Stripe delivers webhooks from its own addresses: no country is refused; the per-IP rate rules are the edge control.',
      NAG.cloudFrontGeo,
    );
    acknowledge(
      this.distribution,
      'Every request the distribution passes on is logged twice without a standard-logging S3 bucket: by the web ACL\'s logging (aws-waf-logs-*, allowed and blocked, Authorization and Stripe-Signature redacted) and by the API stage\'s access log (source IP, route, status).',
      NAG.cloudFrontAccessLogs,
    );
    acknowledge(
      this.distribution,
      'The default *.cloudfront.net certificate fixes the viewer minimum at TLSv1 and cannot be raised; TLSv1.2_2021 needs a custom domain and an ACM certificate in us-east-1, not part of this stack yet (docs/status.md lists it). The origin leg is TLSv1.2 only.',
      NAG.cloudFrontViewerTls,
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
  }
}
