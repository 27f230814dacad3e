import path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { OUTBOX_PIPE_BATCH_SIZE } from '../../functions/store/outbox';
import { PROJECT_ROOT } from '../stack-wiring';
import { DeadLetterQueue } from './DeadLetterQueue';
import { KneadpayFunction } from './KneadpayFunction';

export interface OutboxPipeProps {
  /** The table, with a NEW_IMAGE stream, encrypted with `tableKey`. */
  table: ITable;
  tableKey: IKey;
  bus: IEventBus;
  /** The item `type` that marks an outbox item (functions/store/outbox.ts). */
  outboxItemType: string;
  opsKey: IKey;
  alarmTopic: ITopic;
  logRetention: RetentionDays;
}

/** The stream filter: inserted outbox items only; updates, deletes (TTL) and other items never leave. */
export const outboxFilterPattern = (outboxItemType: string) => ({
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: [outboxItemType] } } },
});

/**
 * The transactional outbox's delivery half: DynamoDB Streams → EventBridge Pipe (filter, then a
 * small enrichment Lambda that turns DynamoDB JSON into `{source, detailType, detail}`) → the bus.
 * Records that keep failing go to a DLQ with an alarm instead of blocking the shard.
 */
export class OutboxPipe extends Construct {
  readonly pipe: CfnPipe;
  readonly enrichment: KneadpayFunction;
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: OutboxPipeProps) {
    super(scope, id);
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('OutboxPipe needs a table with a stream');

    this.enrichment = new KneadpayFunction(this, 'Enrichment', {
      entry: path.join(PROJECT_ROOT, 'lib/pipe-enrichment/handler.ts'),
      description: 'Outbox pipe enrichment: DynamoDB stream image to bus event',
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      logEncryptionKey: props.opsKey,
    });
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      description: 'Outbox stream records the pipe could not publish to the bus',
      encryptionKey: props.opsKey,
      alarmTopic: props.alarmTopic,
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.opsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const account = Stack.of(this).account;
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': account } }),
      description: 'EventBridge Pipe: outbox stream to the kneadpay bus',
    });
    // A customer-managed policy with every action and resource spelled out: no wildcards to excuse.
    const policy = new ManagedPolicy(this, 'Policy', {
      roles: [role],
      statements: [
        new PolicyStatement({
          actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
          resources: [streamArn],
        }),
        new PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.tableKey.keyArn] }),
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.enrichment.functionArn] }),
        new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
        new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetters.queue.queueArn] }),
        new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.opsKey.keyArn] }),
        new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      ],
    });

    this.pipe = new CfnPipe(this, 'Pipe', {
      description: 'Transactional outbox: inserted outbox items to the kneadpay bus',
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        filterCriteria: { filters: [{ pattern: JSON.stringify(outboxFilterPattern(props.outboxItemType)) }] },
        dynamoDbStreamParameters: {
          // TRIM_HORIZON: a replaced pipe re-reads the last 24 h (consumers dedupe) rather than skip events.
          startingPosition: 'TRIM_HORIZON',
          // PutEvents takes at most 10 entries, and one record's item carries up to EVENTS_PER_ITEM
          // events: the enrichment's answer for a batch must stay within the target's 10.
          batchSize: OUTBOX_PIPE_BATCH_SIZE,
          // One poller per shard keeps a practice's events in commit order.
          parallelizationFactor: 1,
          maximumRetryAttempts: 10,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.deadLetters.queue.queueArn },
        },
      },
      enrichment: this.enrichment.functionArn,
      target: props.bus.eventBusArn,
      targetParameters: {
        // Dynamic paths read the enrichment's output; the template makes `detail` the event's detail.
        eventBridgeEventBusParameters: { source: '$.source', detailType: '$.detailType' },
        inputTemplate: '<$.detail>',
      },
      logConfiguration: { level: 'ERROR', cloudwatchLogsLogDestination: { logGroupArn: logGroup.logGroupArn } },
    });
    // Pipes checks the role's permissions when it creates the pipe.
    this.pipe.node.addDependency(policy);
  }
}
