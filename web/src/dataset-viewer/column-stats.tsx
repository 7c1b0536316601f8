// Per-column statistics of a split (/statistics): nulls, min/max/mean/median, a small histogram of
// values (numbers) or lengths (text), and class frequencies as bars (labels, booleans).
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { formatCount, formatNumber, frequencyBars, histogramBars } from './cell-format.js';
import { fetchStatistics, type ColumnStatistics, type Histogram, type SplitRef } from './viewer-api.js';
import { useViewerText } from './viewer-text.js';

const CHART = { width: 220, height: 48 };

function HistogramChart({ histogram, label }: { histogram: Histogram; label: string }) {
  const bars = histogramBars(histogram);
  if (bars.length === 0) return null;
  const width = CHART.width / bars.length;
  return (
    <svg className="histogram" role="img" aria-label={label} viewBox={`0 0 ${CHART.width} ${CHART.height}`} width={CHART.width} height={CHART.height}>
      {bars.map((bar, index) => {
        const height = Math.max(bar.count > 0 ? 1 : 0, bar.height * CHART.height);
        return (
          <rect key={index} x={index * width + 0.5} y={CHART.height - height} width={Math.max(1, width - 1)} height={height}>
            <title>{`${formatNumber(bar.from)} – ${formatNumber(bar.to)}: ${formatCount(bar.count)}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function Frequencies({ frequencies }: { frequencies: Record<string, number> }) {
  const text = useViewerText();
  return (
    <ul className="frequencies">
      {frequencyBars(frequencies).map((bar) => (
        <li key={bar.other ? '\u0000other' : bar.label}>
          <span className="frequency-label" title={bar.label}>
            {bar.other ? text.otherValues : bar.label}
          </span>
          <span className="frequency-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(bar.share * 100)}%` }} />
          </span>
          <span className="frequency-count">
            {formatCount(bar.count)} <span className="muted">({(bar.share * 100).toFixed(1)}%)</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function ColumnCard({ column }: { column: ColumnStatistics }) {
  const text = useViewerText();
  const stats = column.column_statistics;
  const numbers = (['min', 'max', 'mean', 'median'] as const).filter((key) => typeof stats[key] === 'number');
  return (
    <li className="column-card" data-column={column.column_name}>
      <div className="column-card-head">
        <strong>{column.column_name}</strong>
        <span className="badge subtle">{column.column_type}</span>
      </div>
      {stats.nan_count !== undefined && (
        <div className="muted column-nulls">
          {text.nulls}: {formatCount(stats.nan_count)}
          {stats.nan_proportion !== undefined && ` (${(stats.nan_proportion * 100).toFixed(1)}%)`}
          {stats.n_unique !== undefined && ` · ${text.unique}: ${formatCount(stats.n_unique)}`}
        </div>
      )}
      {numbers.length > 0 && (
        <dl className="column-numbers">
          {column.column_type === 'string_text' && <dt className="column-numbers-title">{text.lengths}</dt>}
          {numbers.map((key) => (
            <div key={key}>
              <dt>{text[key]}</dt>
              <dd>{formatNumber(stats[key] as number)}</dd>
            </div>
          ))}
        </dl>
      )}
      {stats.histogram && stats.histogram.hist.length > 0 && <HistogramChart histogram={stats.histogram} label={`${column.column_name}: ${column.column_type === 'string_text' ? text.lengths : column.column_type}`} />}
      {stats.frequencies && Object.keys(stats.frequencies).length > 0 && <Frequencies frequencies={stats.frequencies} />}
    </li>
  );
}

export function ColumnStats({ split }: { split: SplitRef }) {
  const text = useViewerText();
  const [state, retry] = useAsync((signal) => fetchStatistics(split, signal), [split.dataset, split.config, split.split, split.revision]);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorMessage error={state.error} onRetry={retry} />;
  return (
    <div className="stats-view">
      <p className="muted">
        {text.numExamples(formatCount(state.value.num_examples))}
        {state.value.partial && text.partial}
      </p>
      {state.value.statistics.length === 0 ? (
        <p className="muted">{text.noStatistics}</p>
      ) : (
        <ul className="column-cards" data-testid="column-stats">
          {state.value.statistics.map((column) => (
            <ColumnCard key={column.column_name} column={column} />
          ))}
        </ul>
      )}
    </div>
  );
}
