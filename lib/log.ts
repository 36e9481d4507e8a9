import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger; `lib/http` adds the request id to every line. */
export const logger = new Logger({ serviceName: 'paiecashfan-api' });
