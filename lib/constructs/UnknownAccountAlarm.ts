import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { UNKNOWN_ACCOUNT_METRIC } from '../../functions/shared/metrics';

export const UNKNOWN_ACCOUNT_NAMESPACE = 'kneadpay';

/**
 * Stripe events for a connected account kneadpay never onboarded are recorded as ignored (never
 * applied to anyone) and counted: the webhook logs `metric: StripeEventUnknownAccount`, a metric
 * filter turns each line into one count, and the alarm tells on-call (docs/operations.md).
 */
export class UnknownAccountAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: { logGroup: ILogGroup; alarmTopic: ITopic }) {
    super(scope, id);
    const filter = new MetricFilter(this, 'Filter', {
      logGroup: props.logGroup,
      filterPattern: FilterPattern.stringValue('$.metric', '=', UNKNOWN_ACCOUNT_METRIC),
      metricNamespace: UNKNOWN_ACCOUNT_NAMESPACE,
      metricName: UNKNOWN_ACCOUNT_METRIC,
      metricValue: '1',
    });
    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription: 'Stripe sent events for a connected account no practice onboarded (recorded as ignored). See docs/operations.md, "Stripe events for an unknown connected account".',
      metric: filter.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    this.alarm.addOkAction(new SnsAction(props.alarmTopic));
  }
}
