import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE } from './log';

/**
 * Business counts in CloudWatch's embedded metric format: log lines that
 * CloudWatch turns into metrics, with no call to its API on the request path.
 */
const metrics = new Metrics({ namespace: 'PaieCashFan', serviceName: SERVICE });

type Dimensions = Record<string, string>;

/**
 * EMF applies every dimension set of a line to every metric on it, so counts
 * wait here grouped by their dimensions, and each group becomes its own line.
 */
const pending = new Map<string, { dimensions: Dimensions; values: Array<[string, number]> }>();

/** Counts a fact once it is committed; it is published when the request ends. */
export const count = (name: string, value = 1, dimensions: Dimensions = {}): void => {
  const id = JSON.stringify(Object.entries(dimensions).sort());
  const group = pending.get(id) ?? { dimensions, values: [] };
  group.values.push([name, value]);
  pending.set(id, group);
};

/** Writes what was counted since the last publish, one EMF line per dimension set. */
export const publish = (): void => {
  for (const { dimensions, values } of pending.values()) {
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    for (const [name, value] of values) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.publishStoredMetrics();
  }
  pending.clear();
};
