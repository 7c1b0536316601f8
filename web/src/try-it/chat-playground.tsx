// The chat playground on a text-generation model's Try-it tab: a conversation kept in the page,
// answers streamed from the OpenAI chat route (SSE) and rendered as safe Markdown, a system
// prompt and sampling settings, JSON mode, and per answer its time to first token and tokens/s.
// Stop keeps what arrived; regenerate asks again for the last answer; clear starts over.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { streamChat, type ChatMessage, type ChatUsage } from '../../../src/client/stream-chat.js';
import { savedToken, toApiError } from '../api.js';
import { chatParameters, DEFAULT_SETTINGS, type ChatSettings } from './chat-request.js';
import { useChatStrings } from './chat-strings.js';
import { MarkdownView } from './markdown-view.js';
import { TryError } from './try-error.js';

interface Turn extends ChatMessage {
  stopped?: boolean;
}

interface AnswerStats {
  firstTokenMs: number | null;
  tokensPerSecond: number | null;
  usage: ChatUsage | null;
  finishReason: string | null;
}

function Setting({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="try-field chat-setting">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

export function ChatPlayground({ repo }: { repo: string }) {
  const s = useChatStrings();
  const [settings, setSettings] = useState<ChatSettings>(DEFAULT_SETTINGS);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [input, setInput] = useState('');
  const [streaming, setStreaming] = useState<string | null>(null);
  const [stats, setStats] = useState<AnswerStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);
  const set = (key: keyof ChatSettings) => (event: { target: { value: string } }) => setSettings((previous) => ({ ...previous, [key]: event.target.value }));

  /** Streams the answer to `history` (which ends with the user's turn) and appends it. */
  const answer = async (history: Turn[]) => {
    setError(null);
    let parameters: Record<string, unknown>;
    try {
      parameters = chatParameters(settings, s.schemaInvalid);
    } catch (failure) {
      setError(failure);
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setTurns(history);
    setStreaming('');
    setStats(null);
    let text = '';
    const messages: ChatMessage[] = [...(settings.system.trim() ? [{ role: 'system' as const, content: settings.system }] : []), ...history.map(({ role, content }) => ({ role, content }))];
    try {
      for await (const event of streamChat({ endpoint: window.location.origin, token: savedToken() ?? undefined }, repo, messages, parameters, abort.signal)) {
        if (event.event === 'delta') {
          text += event.text;
          setStreaming(text);
        } else {
          const decodeMs = event.firstTokenMs === null ? 0 : event.totalMs - event.firstTokenMs;
          const completion = event.usage?.completion_tokens ?? 0;
          setStats({ firstTokenMs: event.firstTokenMs, tokensPerSecond: completion > 1 && decodeMs > 0 ? (completion - 1) / (decodeMs / 1000) : null, usage: event.usage, finishReason: event.finishReason });
        }
      }
      setTurns([...history, { role: 'assistant', content: text, ...(abort.signal.aborted && { stopped: true }) }]);
    } catch (failure) {
      if (abort.signal.aborted) setTurns([...history, { role: 'assistant', content: text, stopped: true }]);
      else setError(toApiError(failure));
    } finally {
      if (controller.current === abort) controller.current = null;
      setStreaming(null);
    }
  };

  const busy = streaming !== null;
  const send = (event?: FormEvent) => {
    event?.preventDefault();
    if (busy || input.trim() === '') return;
    const history = [...turns, { role: 'user' as const, content: input }];
    setInput('');
    void answer(history);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
  };
  const regenerate = () => {
    if (busy) return;
    const last = turns.at(-1);
    const history = last?.role === 'assistant' ? turns.slice(0, -1) : turns;
    if (history.at(-1)?.role === 'user') void answer(history);
  };
  const clear = () => {
    controller.current?.abort();
    setTurns([]);
    setStats(null);
    setError(null);
  };
  const canRegenerate = !busy && turns.length > 0;

  return (
    <div className="try-it chat-playground" data-testid="chat-playground">
      <details className="try-parameters chat-settings" open>
        <summary>{s.settings}</summary>
        <Setting id="chat-system" label={s.system}>
          <textarea id="chat-system" rows={2} value={settings.system} placeholder={s.systemPlaceholder} onChange={set('system')} />
        </Setting>
        <div className="try-parameter-grid">
          <Setting id="chat-temperature" label={s.temperature}>
            <input id="chat-temperature" type="number" min={0} max={2} step={0.1} value={settings.temperature} onChange={set('temperature')} />
          </Setting>
          <Setting id="chat-top-p" label={s.topP}>
            <input id="chat-top-p" type="number" min={0} max={1} step={0.05} value={settings.topP} onChange={set('topP')} />
          </Setting>
          <Setting id="chat-max-tokens" label={s.maxTokens}>
            <input id="chat-max-tokens" type="number" min={1} step={1} value={settings.maxTokens} onChange={set('maxTokens')} />
          </Setting>
          <Setting id="chat-json" label={s.jsonMode}>
            <select id="chat-json" value={settings.json} onChange={set('json')}>
              <option value="off">{s.jsonOff}</option>
              <option value="object">{s.jsonObject}</option>
              <option value="schema">{s.jsonSchema}</option>
            </select>
          </Setting>
        </div>
        <Setting id="chat-stop" label={s.stop}>
          <textarea id="chat-stop" rows={2} value={settings.stop} onChange={set('stop')} />
        </Setting>
        {settings.json === 'schema' && (
          <Setting id="chat-schema" label={s.schema}>
            <textarea id="chat-schema" className="code" rows={6} value={settings.schema} onChange={set('schema')} spellCheck={false} />
          </Setting>
        )}
      </details>
      <ol className="chat-log" aria-live="polite" data-testid="chat-log">
        {turns.length === 0 && !busy && <li className="muted chat-empty">{s.empty}</li>}
        {turns.map((turn, index) => (
          <li key={index} className={`chat-turn chat-${turn.role}`} data-testid="chat-message" data-role={turn.role} data-stopped={turn.stopped ? 'true' : undefined}>
            <span className="chat-role">{turn.role === 'user' ? s.user : s.assistant}</span>
            {turn.role === 'assistant' ? <MarkdownView text={turn.content} /> : <p className="chat-user-text">{turn.content}</p>}
            {turn.stopped && <span className="muted">{s.stopped}</span>}
          </li>
        ))}
        {busy && (
          <li className="chat-turn chat-assistant" data-testid="chat-streaming" aria-busy="true">
            <span className="chat-role">{s.assistant}</span>
            <MarkdownView text={streaming} />
          </li>
        )}
      </ol>
      {stats && (
        <p className="muted chat-stats" data-testid="chat-stats">
          {stats.firstTokenMs !== null && <span data-testid="chat-ttft">{s.ttft(Math.round(stats.firstTokenMs))}</span>}
          {stats.tokensPerSecond !== null && <span data-testid="chat-tps">{s.speed(stats.tokensPerSecond.toFixed(1))}</span>}
          {stats.usage && <span data-testid="chat-usage">{s.tokens(stats.usage.prompt_tokens, stats.usage.completion_tokens)}</span>}
          {stats.finishReason && <span data-testid="chat-finish">{s.finish(stats.finishReason)}</span>}
        </p>
      )}
      <form className="chat-input" onSubmit={send}>
        <label htmlFor="chat-input" className="visually-hidden">
          {s.input}
        </label>
        <textarea id="chat-input" rows={3} value={input} placeholder={s.inputPlaceholder} onChange={(event) => setInput(event.target.value)} onKeyDown={onKeyDown} />
        <div className="try-actions">
          {busy ? (
            <button type="button" className="button danger" onClick={() => controller.current?.abort()} data-testid="chat-stop-answer">
              {s.stop_}
            </button>
          ) : (
            <button type="submit" className="button" disabled={input.trim() === ''} data-testid="chat-send">
              {s.send}
            </button>
          )}
          <button type="button" className="button secondary" disabled={!canRegenerate} onClick={regenerate} data-testid="chat-regenerate">
            {s.regenerate}
          </button>
          <button type="button" className="link-button" disabled={turns.length === 0 && !busy} onClick={clear} data-testid="chat-clear">
            {s.clear}
          </button>
        </div>
      </form>
      {error !== null && <TryError error={error} />}
    </div>
  );
}
