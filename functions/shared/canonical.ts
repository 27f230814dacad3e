/**
 * JSON with object keys sorted, at every depth: DynamoDB maps do not keep key order, so a value
 * read back from the table compares equal to the one written only through this.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value));

const sortKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortKeys)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, inner]) => [key, sortKeys(inner)]),
        )
      : value;
