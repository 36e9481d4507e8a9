import { Logger } from '@aws-lambda-powertools/logger';

/** The service every log line and metric is filed under. */
export const SERVICE = 'paiecashfan-api';

/** One structured JSON logger; `lib/http` adds the request id to every line. */
export const logger = new Logger({ serviceName: SERVICE });
