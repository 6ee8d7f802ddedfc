export * from './eval/retrieval-metrics';
