export {
  EVENT_TYPES,
  MAX_QUERY_CHARS,
  normaliseQuery,
  SEARCH_KINDS,
  type AnalyticsReport,
  type EventType,
  type QueryFigures,
  type SearchKind,
  type SearchRecord,
  type StorefrontEvent,
} from './analytics.types';
export { AnalyticsRepository } from './analytics.repository';
export {
  AnalyticsService,
  MAX_REPORT_DAYS,
  type AnalyticsSettings,
  type KnownProducts,
} from './analytics.service';
export { AnalyticsJanitor, AnalyticsModule } from './analytics.module';
export { ANALYTICS_MIGRATIONS } from './migrations/1765200000000-search-analytics';
