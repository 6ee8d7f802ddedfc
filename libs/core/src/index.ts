export * from './config/config';
export * from './config/config.schema';
export * from './config/config.module';
export { logDestination, pinoHttpParams, resolveLogFormat, type LogFormat } from './logging/log-format';
export { renderConfigReference, undocumentedVariables } from './config/config-reference';
export * from './errors/domain-error';
export * from './errors/storage-error';
export * from './errors/outage-error';
export * from './json/json-syntax';
