import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../functions/shared/metrics';

/**
 * An alarm on one of the EMF metrics the functions write (functions/shared/metrics.ts): the series is
 * the one a count lands in — namespace `kneadpay`, metric name, dimension `service` as the code
 * passes it — so what the code counts is what the alarm watches (test/infra/stack.test.ts checks it
 * against a line the code emits). Any count in five minutes fires it; no count is not a breach.
 */
export interface MetricAlarmSpec {
  metric: MetricName;
  /** The `service` dimension the code counts this metric under. */
  service: string;
  description: string;
}

/** What on-call is told about (docs/operations.md, "Alarms and dead letters"). */
export const METRIC_ALARMS = {
  StripeUnknownAccount: {
    metric: METRIC.stripeEventUnknownAccount,
    service: 'kneadpay',
    description: 'Stripe sent events for a connected account no practice onboarded (recorded as ignored). See docs/operations.md, "Stripe events for an unknown connected account".',
  },
  ClaimsQuarantined: {
    metric: METRIC.claimsQuarantined,
    service: 'remittances',
    description: 'Claim payments of an imported 835 were quarantined (unmatched or not balancing): a person must look. See docs/operations.md, "Quarantined claim payments".',
  },
} as const satisfies Record<string, MetricAlarmSpec>;

export class MetricAlarms extends Construct {
  readonly alarms = new Map<keyof typeof METRIC_ALARMS, Alarm>();

  constructor(scope: Construct, id: string, props: { alarmTopic: ITopic }) {
    super(scope, id);
    for (const [name, spec] of Object.entries(METRIC_ALARMS) as [keyof typeof METRIC_ALARMS, MetricAlarmSpec][]) {
      const alarm = new Alarm(this, name, {
        alarmDescription: spec.description,
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: spec.metric, dimensionsMap: { service: spec.service }, period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      alarm.addOkAction(new SnsAction(props.alarmTopic));
      this.alarms.set(name, alarm);
    }
  }
}
