/** Email: what kneadpay says (copy.ts, one function per email) and how it is sent (send.ts). */
export * from './copy';
export * from './send';
