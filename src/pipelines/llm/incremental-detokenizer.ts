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
/** The context grows with each commit up to this, then is cut back to CONTEXT_TOKENS (one more read). */
const MAX_CONTEXT_TOKENS = 12;

/** What an incomplete UTF-8 sequence at the end of the bytes decodes to. */
const REPLACEMENT = '\uFFFD';

export class IncrementalDetokenizer {
  /** Every token committed so far: read whole only when the context cannot be trusted (below). */
  private readonly committed: Token[] = [];
  /** The last committed tokens, and their text read alone: a new piece is what they add to it. */
  private context: Token[] = [];
  private contextText = '';
  /** Tokens whose bytes end inside a character, waiting for the rest of it. */
  private pending: Token[] = [];
  /** The text of context + pending, from the last read (the context's text once they are committed); undefined after a whole read. */
  private lastRead: string | undefined = '';
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
    for (const token of this.pending) {
      this.committed.push(token);
      this.context.push(token);
    }
    this.pending = [];
    this.textLength += piece.length;
    // One read per token: the last read was of exactly the new context, until it is cut back.
    if (this.lastRead === undefined || this.context.length > MAX_CONTEXT_TOKENS) this.resetContext();
    else this.contextText = this.lastRead;
    return piece;
  }

  private resetContext(): void {
    this.context = this.committed.slice(-CONTEXT_TOKENS);
    this.contextText = this.model.detokenize(this.context);
  }

  private pendingText(): string {
    const text = this.model.detokenize(this.context.length === 0 ? this.pending : [...this.context, ...this.pending]);
    if (text.startsWith(this.contextText)) {
      this.lastRead = text;
      return text.slice(this.contextText.length);
    }
    // A tokenizer that rewrites text across tokens (llama.cpp's space clean-up of some BPE
    // vocabularies): the whole sequence decides, read once more, and the context starts afresh.
    this.lastRead = undefined;
    return this.model.detokenize([...this.committed, ...this.pending]).slice(this.textLength);
  }
}
