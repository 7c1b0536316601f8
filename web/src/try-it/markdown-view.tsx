// Renders a model answer's Markdown tree (markdown.ts) as React elements: text nodes only, never
// HTML from the answer, and links (already limited to http(s)/mailto) open in a new tab without
// the opener or a referrer.
import type { ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown.js';

function inlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((node, index) => {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'code':
        return <code key={index}>{node.text}</code>;
      case 'strong':
        return <strong key={index}>{inlines(node.children)}</strong>;
      case 'em':
        return <em key={index}>{inlines(node.children)}</em>;
      case 'link':
        return (
          <a key={index} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(node.children)}
          </a>
        );
      case 'break':
        return <br key={index} />;
    }
  });
}

function block(node: Block, index: number): ReactNode {
  switch (node.kind) {
    case 'paragraph':
      return <p key={index}>{inlines(node.children)}</p>;
    case 'heading': {
      const Heading = `h${Math.min(6, node.level + 2)}` as 'h3' | 'h4' | 'h5' | 'h6';
      return <Heading key={index}>{inlines(node.children)}</Heading>;
    }
    case 'code':
      return (
        <pre key={index} className="chat-code" data-language={node.language || undefined}>
          <code>{node.text}</code>
        </pre>
      );
    case 'list': {
      const items = node.items.map((item, itemIndex) => <li key={itemIndex}>{inlines(item)}</li>);
      return node.ordered ? (
        <ol key={index} start={node.start}>
          {items}
        </ol>
      ) : (
        <ul key={index}>{items}</ul>
      );
    }
  }
}

export function MarkdownView({ text }: { text: string }) {
  return <div className="chat-markdown">{parseMarkdown(text).map(block)}</div>;
}
