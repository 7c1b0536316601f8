// `/settings/audit`: the audit log for site admins, newest first, filtered by action prefix and
// actor, with "load more" following the API's `next` cursor. Others see that it is for admins only
// (the API refuses them too; the page does not even ask).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AuditEvent } from '../../../src/client/api-types.js';
import { api } from '../api.js';
import { ErrorMessage, Loading } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { RequireSignIn } from './require-sign-in.js';
import './account.css';

const PAGE_SIZE = 50;

const TEXT = {
  zh: {
    title: '审计日志',
    intro: '与安全相关的事件（登录、令牌、可见性、成员、删除、强制推送、部署），最新的在前。',
    adminsOnly: '审计日志仅对站点管理员开放。',
    action: '操作前缀',
    actionColumn: '操作',
    actor: '操作者',
    filter: '筛选',
    time: '时间',
    target: '对象',
    address: '地址',
    details: '详情',
    none: '没有符合条件的事件。',
    more: '加载更多',
  },
  en: {
    title: 'Audit log',
    intro: 'Security-relevant events (sign-ins, tokens, visibility, members, deletions, force pushes, deployments), newest first.',
    adminsOnly: 'The audit log is for site admins only.',
    action: 'Action prefix',
    actionColumn: 'Action',
    actor: 'Actor',
    filter: 'Filter',
    time: 'Time',
    target: 'Target',
    address: 'Address',
    details: 'Details',
    none: 'No events match.',
    more: 'Load more',
  },
};

interface Filters {
  action: string;
  actor: string;
}

function AuditLog() {
  const { language } = useI18n();
  const text = TEXT[language];
  const [draft, setDraft] = useState<Filters>({ action: '', actor: '' });
  const [filters, setFilters] = useState<Filters>({ action: '', actor: '' });
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (before: string | undefined) => {
      setBusy(true);
      setError(null);
      try {
        const page = await api((client) => client.listAuditEvents({ ...(filters.action && { action: filters.action }), ...(filters.actor && { actor: filters.actor }), ...(before && { before }), limit: PAGE_SIZE }));
        setEvents((shown) => (before ? [...shown, ...page.events] : page.events));
        setNext(page.next);
      } catch (caught) {
        setError(caught);
      } finally {
        setBusy(false);
      }
    },
    [filters],
  );

  useEffect(() => {
    void load(undefined);
  }, [load]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ action: draft.action.trim(), actor: draft.actor.trim() });
  };

  return (
    <>
      <form className="panel account-form" onSubmit={submit} aria-label={text.filter}>
        <div className="field grow">
          <label htmlFor="audit-action">{text.action}</label>
          <input id="audit-action" value={draft.action} onChange={(event) => setDraft({ ...draft, action: event.target.value })} placeholder="token." />
        </div>
        <div className="field grow">
          <label htmlFor="audit-actor">{text.actor}</label>
          <input id="audit-actor" value={draft.actor} onChange={(event) => setDraft({ ...draft, actor: event.target.value })} />
        </div>
        <button type="submit" className="button">{text.filter}</button>
      </form>
      {error !== null && <ErrorMessage error={error} onRetry={() => void load(undefined)} />}
      {events.length === 0 && !busy && error === null && <p className="muted">{text.none}</p>}
      {events.length > 0 && (
        <table className="data-table" data-testid="audit-events">
          <thead>
            <tr>
              <th>{text.time}</th>
              <th>{text.actionColumn}</th>
              <th>{text.actor}</th>
              <th>{text.target}</th>
              <th>{text.address}</th>
              <th>{text.details}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-testid="audit-event">
                <td>{new Date(event.at).toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' })}</td>
                <td>
                  <code>{event.action}</code>
                </td>
                <td>{event.actor ?? '—'}</td>
                <td>{event.target ?? '—'}</td>
                <td>{event.address ?? '—'}</td>
                <td>
                  <code className="audit-details">{Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {busy && <Loading />}
      {next !== null && !busy && (
        <button type="button" className="button" onClick={() => void load(next)} data-testid="audit-more">
          {text.more}
        </button>
      )}
    </>
  );
}

export default function AuditPage() {
  const { language } = useI18n();
  const session = useSession();
  const text = TEXT[language];
  return (
    <section className="account-page audit-page">
      <h1>{text.title}</h1>
      <p className="muted">{text.intro}</p>
      <RequireSignIn>
        {session.user?.isAdmin ? (
          <AuditLog key={session.token ?? ''} />
        ) : session.user ? (
          <p className="panel" role="status" data-testid="admins-only">
            {text.adminsOnly}
          </p>
        ) : (
          <Loading />
        )}
      </RequireSignIn>
    </section>
  );
}
