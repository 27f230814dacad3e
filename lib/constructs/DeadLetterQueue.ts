import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, NAG } from '../compliance';

export interface DeadLetterQueueProps {
  /** What lands here, for the alarm description an operator reads at 3 a.m. */
  description: string;
  encryptionKey: IKey;
  alarmTopic: ITopic;
}

/**
 * An encrypted, TLS-only SQS queue for messages nothing could deliver, with an alarm that fires
 * as soon as one is visible. 14 days (the SQS maximum) to read, fix and redrive.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.queue, 'This queue is itself a dead-letter queue; a DLQ for it would only move the same messages.', NAG.queueDlq);

    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription: `${props.description}: at least one message is waiting in ${id}. See docs/operations.md, "A dead-letter queue alarm".`,
      // SQS publishes this metric every five minutes; Maximum so one message is enough.
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    this.alarm.addOkAction(new SnsAction(props.alarmTopic));
  }
}
