// The LLM panel of a GGUF deployment: the quantisation served, sequences in use out of those the
// model has (live from /metrics, total from the deployments API), tokens generated per second with
// its chart, and the KV cache the sequences hold (counted in the model memory budget).
import type { DeploymentInfo } from '../../../src/client/api-types.js';
import { formatBytes } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { DEPLOY_TEXT } from './deploy-text.js';
import type { LlmPoint } from './llm-metrics.js';
import { SparklineChart } from './sparkline-chart.js';
import { HISTORY_POINTS } from './use-metrics-history.js';

type Llm = NonNullable<DeploymentInfo['llm']>;

export function LlmPanel({ llm, points }: { llm: Llm; points: LlmPoint[] }) {
  const { language } = useI18n();
  const text = DEPLOY_TEXT[language];
  const last = points.at(-1);
  // Until the first scrape pair, the deployments API's own count (as of the page load) stands in.
  const inUse = last?.sequencesInUse ?? llm.sequences_in_use;
  return (
    <section className="llm-panel" data-testid="llm-panel" aria-label={text.llmTitle}>
      <h3>{text.llmTitle}</h3>
      <dl>
        <div>
          <dt>{text.llmQuant}</dt>
          <dd data-testid="llm-quant" title={llm.file}>
            {llm.quant}
          </dd>
        </div>
        <div>
          <dt>{text.llmSequences}</dt>
          <dd data-testid="llm-sequences">
            {inUse} / {llm.sequences}
            {llm.queued > 0 && text.llmQueued(llm.queued)}
          </dd>
        </div>
        <div>
          <dt>{text.llmTokensPerSecond}</dt>
          <dd data-testid="llm-tokens-per-second">{last?.tokensPerSecond == null ? '—' : `${last.tokensPerSecond.toFixed(1)} tokens/s`}</dd>
        </div>
        <div>
          <dt>{text.llmKvCache}</dt>
          <dd data-testid="llm-kv-cache" data-bytes={llm.kv_cache_bytes}>
            {text.llmKvValue(formatBytes(llm.kv_cache_bytes), llm.sequences, llm.context_length)}
          </dd>
        </div>
      </dl>
      <div className="charts">
        <SparklineChart title={text.llmTokensPerSecond} testId="chart-tokens" capacity={HISTORY_POINTS} values={points.map((point) => point.tokensPerSecond)} format={(value) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} tokens/s`} />
        <SparklineChart title={text.llmSequences} testId="chart-sequences" capacity={HISTORY_POINTS} values={points.map((point) => point.sequencesInUse)} format={(value) => `${value.toFixed(0)} / ${llm.sequences}`} />
      </div>
    </section>
  );
}
