/**
 * Compile-time check of the hand-written API types (./types.ts) against the committed contract: ./schema.d.ts is
 * generated from docs/openapi.json by `npm run openapi`. Each line below fails `npm run typecheck` when the API and
 * what the pages read drift apart: a response type must accept what the API documents it sends, and what the pages
 * send must be a request the API documents. Nothing here runs or is bundled.
 */
import type { components } from './schema';
import type * as Web from './types';

type S = components['schemas'];
/** `true` when A is assignable to B. */
type Fits<A, B> = [A] extends [B] ? true : false;
/** A compile error on the line of the pair that does not fit. */
type Check<T extends true> = T;
type Not<T extends boolean> = T extends true ? false : true;

/** What the API answers fits what the pages read. */
export type ResponsesFit = [
  Check<Fits<S['MoneyDto'], Web.Money>>,
  Check<Fits<S['FacetCountDto'] | S['PriceFacetCountDto'], Web.FacetValue>>,
  Check<Fits<S['ProductDetailDto'], Web.ProductDetail>>,
  Check<Fits<S['AnswerDto'], Web.Answer>>,
  Check<Fits<S['SuggestionDto'], Web.Suggestion>>,
  Check<Fits<S['ChatResponseDto'], Web.ChatResponse>>,
  Check<Fits<S['AdminProductDto'], Web.AdminProduct>>,
  Check<Fits<S['AdminProductListDto'], Web.Page<Web.AdminProduct>>>,
  Check<Fits<S['ImportJobDto'], Web.ImportProgress>>,
  Check<Fits<S['JobProgressDto'], Web.JobProgress>>,
  Check<Fits<S['IndexFailureDto'], Web.IndexFailure>>,
  Check<Fits<S['QueuedDraftDto'], Web.PendingDescription>>,
  Check<Fits<S['SynonymSetDto'], Web.SynonymSet>>,
  Check<Fits<S['IndexStatusDto'], Web.IndexStatus>>,
  Check<Fits<S['AnalyticsDto'], Web.Analytics>>,
];

/** What the pages send is a request the API documents. */
export type RequestsFit = [
  Check<Fits<Web.SearchFilters, S['SearchFiltersDto']>>,
  Check<Fits<Web.EventType, S['EventDto']['type']>>,
  Check<Fits<Web.SortOrder, NonNullable<S['TextSearchDto']['sort']>>>,
];

/**
 * Pairs known not to fit, each with what to fix. A line here fails once the pair fits: move it up then.
 */
export type KnownMismatches = [
  // highlights ranges: HighlightsDto documents number[][], the pages read [start, end] pairs (Range); the DTO's
  // ranges could say minItems/maxItems 2.
  Check<Not<Fits<S['ProductCardDto'], Web.ProductCard>>>,
  Check<Not<Fits<S['SearchResponseDto'], Web.SearchResponse>>>,
];
