// `/deployments` (lazy-loaded: only this page carries the chart code): every deployment the user can
// see with its pinned commit, state and batching settings, live charts of its request rate, median
// latency and batch size, a form to deploy a model, and undeploy with an inline confirmation.
import { useState } from 'react';
import type { DeploymentInfo } from '../../../src/client/api-types.js';
import { api } from '../api.js';
import { ErrorMessage, errorText, formatBytes, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link, repoPath } from '../router.js';
import { useSession } from '../session.js';
import type { MetricPoint } from './deployment-metrics.js';
import { DeployForm } from './deploy-form.js';
import { DEPLOY_TEXT } from './deploy-text.js';
import type { LlmPoint } from './llm-metrics.js';
import { LlmPanel } from './llm-panel.js';
import { SparklineChart } from './sparkline-chart.js';
import { HISTORY_POINTS, useMetricsHistory } from './use-metrics-history.js';
import './deployments.css';

function formatNumber(value: number, digits: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

function Charts({ points }: { points: MetricPoint[] }) {
  const { language } = useI18n();
  const text = DEPLOY_TEXT[language];
  return (
    <div className="charts">
      <SparklineChart title={text.rate} testId="chart-rate" capacity={HISTORY_POINTS} values={points.map((point) => point.requestsPerSecond)} format={(value) => `${formatNumber(value, 1)} req/s`} />
      <SparklineChart title={text.latency} testId="chart-latency" capacity={HISTORY_POINTS} values={points.map((point) => point.latencyP50Ms)} format={(value) => `${formatNumber(value, 1)} ms`} />
      <SparklineChart title={text.batchSize} testId="chart-batch" capacity={HISTORY_POINTS} values={points.map((point) => point.batchSize)} format={(value) => formatNumber(value, 1)} />
    </div>
  );
}

function DeploymentCard({ deployment, points, llmPoints, canManage, onUndeployed }: { deployment: DeploymentInfo; points: MetricPoint[]; llmPoints: LlmPoint[]; canManage: boolean; onUndeployed: () => void }) {
  const { language } = useI18n();
  const text = DEPLOY_TEXT[language];
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { batching } = deployment;
  const undeploy = async () => {
    setBusy(true);
    setError(null);
    try {
      await api((client) => client.deleteDeployment(deployment.name));
      onUndeployed();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <section className="deployment" data-testid="deployment" data-name={deployment.name} aria-labelledby={`deployment-${deployment.name}`}>
      <div className="deployment-head">
        <h2 id={`deployment-${deployment.name}`}>{deployment.name}</h2>
        <Link href={repoPath('model', deployment.model)}>{deployment.model}</Link>
        <span className={`badge state-${deployment.state}`} data-testid="deployment-state">
          {text.states[deployment.state] ?? deployment.state}
        </span>
        {canManage && (
          <span className="end">
            {!confirming && (
              <button type="button" className="button secondary" onClick={() => setConfirming(true)}>
                {text.undeploy}
              </button>
            )}
            {confirming && (
              <span className="confirm">
                <span>{text.confirmUndeploy(deployment.name)}</span>
                <button type="button" className="button danger" disabled={busy} onClick={() => void undeploy()}>
                  {text.confirm}
                </button>
                <button type="button" className="link-button" onClick={() => setConfirming(false)}>
                  {text.keep}
                </button>
              </span>
            )}
          </span>
        )}
      </div>
      <dl>
        <div>
          <dt>{text.commit}</dt>
          <dd>
            <code title={deployment.commit}>{deployment.commit.slice(0, 10)}</code> ({deployment.revision})
          </dd>
        </div>
        <div>
          <dt>{text.task}</dt>
          <dd>{deployment.task}</dd>
        </div>
        <div>
          <dt>{text.batching}</dt>
          <dd data-testid="deployment-batching">
            {text.batchingValue(String(batching.max_batch_size), batching.effective_batch_size === undefined ? '' : text.effective(batching.effective_batch_size), batching.max_queue_delay_ms, batching.max_queue)}
          </dd>
        </div>
        {deployment.memory_bytes !== undefined && (
          <div>
            <dt>{text.memory}</dt>
            <dd>{formatBytes(deployment.memory_bytes)}</dd>
          </div>
        )}
        <div>
          <dt>{text.createdBy}</dt>
          <dd>{deployment.created_by}</dd>
        </div>
      </dl>
      {deployment.error && <p className="error-inline">{deployment.error.message}</p>}
      <Charts points={points} />
      {deployment.llm && <LlmPanel llm={deployment.llm} points={llmPoints} />}
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}

export default function DeploymentsPage() {
  const { language } = useI18n();
  const text = DEPLOY_TEXT[language];
  const session = useSession();
  const [state, reload] = useAsync(() => api((client) => client.listDeployments()), [session.token]);
  const deployments = state.status === 'done' ? state.value : [];
  const metrics = useMetricsHistory(deployments.map((deployment) => deployment.model));
  const user = session.user;
  const canManage = (deployment: DeploymentInfo) => user !== null && (user.isAdmin || deployment.created_by === user.name);

  return (
    <div className="deployments-page">
      <h1>{text.title}</h1>
      <p className="muted">{text.intro}</p>
      {session.token && <DeployForm onDeployed={reload} />}
      {metrics.error !== null && deployments.length > 0 && (
        <p className="error-inline" role="status">
          {text.metricsError}
          {errorText(metrics.error)}
        </p>
      )}
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={reload} />}
      {state.status === 'done' && deployments.length === 0 && <p className="muted">{text.none}</p>}
      {deployments.map((deployment) => (
        <DeploymentCard key={deployment.name} deployment={deployment} points={metrics.points[deployment.model] ?? []} llmPoints={metrics.llm[deployment.model] ?? []} canManage={canManage(deployment)} onUndeployed={reload} />
      ))}
    </div>
  );
}
