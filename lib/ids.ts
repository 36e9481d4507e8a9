const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A uuid as Postgres writes it (lower case): user ids, token subjects, cursor parts. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
