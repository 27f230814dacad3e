#!/usr/bin/env -S npx tsx
/**
 * The CDK app (`npx cdk synth | deploy`, see cdk.json): the kneadpay stack generated from
 * lib/wiring.ts, checked by cdk-nag AwsSolutions and HIPAA Security on every synth.
 */
import { createKneadpayApp } from '../lib/kneadpay-app';

createKneadpayApp();
