import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const cache = new Map<string, Promise<string>>();
let client: SecretsManagerClient | undefined;

/**
 * A secret's value: from the plain environment variable on a laptop and in tests
 * (`STRIPE_SECRET_KEY`), else from Secrets Manager by the ARN in `<name>_ARN`, fetched once per
 * container and kept in memory.
 */
export const readSecret = (name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> => {
  const plain = env[name];
  if (plain) return Promise.resolve(plain);
  const arn = env[`${name}_ARN`];
  if (!arn) return Promise.reject(new Error(`neither ${name} nor ${name}_ARN is set`));
  let pending = cache.get(arn);
  if (!pending) {
    client ??= new SecretsManagerClient({});
    pending = client.send(new GetSecretValueCommand({ SecretId: arn })).then((answer) => {
      if (!answer.SecretString) throw new Error(`secret ${name} is empty`);
      return answer.SecretString.trim();
    });
    pending.catch(() => cache.delete(arn));
    cache.set(arn, pending);
  }
  return pending;
};
