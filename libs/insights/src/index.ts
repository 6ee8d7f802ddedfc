export { scoreCaptions, type CaptionSample, type CaptionScores } from './metrics/caption-metrics';
export { corpusBleu, type BleuResult, type TokenizedSample } from './metrics/bleu';
export { corpusRougeL, rougeL, lcsLength, ROUGE_L_BETA } from './metrics/rouge';
export { corpusCiderD, type CiderOptions } from './metrics/cider';
export { ptbTokenize } from './metrics/ptb-tokenizer';
