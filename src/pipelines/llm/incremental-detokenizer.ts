// Generated tokens to text one token at a time, in time that does not grow with the answer:
// detokenising the whole sequence again at every token (what generation did before) made each
// token cost O(length). A token's text is read with a few tokens before it as context (whether a
// SentencePiece piece keeps its leading space depends on what precedes it), and tokens whose bytes
// end inside a UTF-8 character (byte-fallback pieces of CJK text or an emoji) are held until the
// character is complete, so the text grows by whole characters only and the pieces joined are the
// detokenisation of the whole sequence.
import type { LlamaModel, Token } from 'node-llama-cpp';

/** Committed tokens read again before a new piece; the first of them may begin mid-character. */
const CONTEXT_TOKENS = 4;

/** What an incomplete UTF-8 sequence at the end of the bytes decodes to. */
const REPLACEMENT = '\uFFFD';

export class IncrementalDetokenizer {
  /** Every token committed so far: read whole only when the context cannot be trusted (below). */
  private readonly committed: Token[] = [];
  /** Tokens whose bytes end inside a character, waiting for the rest of it. */
  private pending: Token[] = [];
  /** Length of the text committed so far. */
  private textLength = 0;

  constructor(private readonly model: Pick<LlamaModel, 'detokenize'>) {}

  /** The text `token` completes: '' while its bytes end inside a character. */
  push(token: Token): string {
    this.pending.push(token);
    const piece = this.pendingText();
    if (piece.endsWith(REPLACEMENT)) return '';
    return this.commit(piece);
  }

  /** Whatever is still held (a character that never completed), as the whole detokenisation writes it. */
  flush(): string {
    return this.pending.length === 0 ? '' : this.commit(this.pendingText());
  }

  private commit(piece: string): string {
    for (const token of this.pending) this.committed.push(token);
    this.pending = [];
    this.textLength += piece.length;
    return piece;
  }

  private pendingText(): string {
    if (this.committed.length === 0) return this.model.detokenize(this.pending);
    const context = this.committed.slice(-CONTEXT_TOKENS);
    const contextText = this.model.detokenize(context);
    const text = this.model.detokenize([...context, ...this.pending]);
    if (text.startsWith(contextText)) return text.slice(contextText.length);
    // A tokenizer that rewrites text across tokens (llama.cpp's space clean-up of some BPE
    // vocabularies): the whole sequence decides, read once more.
    return this.model.detokenize([...this.committed, ...this.pending]).slice(this.textLength);
  }
}
