import type { NotifyMessage, Severity } from './message.js';

export type WebhookFormat = 'generic' | 'ntfy' | 'slack' | 'discord';

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

// Discord rejects content longer than 2000 characters.
const DISCORD_MAX_CHARS = 2000;

// Slack truncates long text; 3000 characters keeps a message readable.
const SLACK_MAX_CHARS = 3000;

// ntfy priorities: 1 min, 2 low, 3 default, 4 high, 5 max (urgent).
const NTFY_PRIORITY: Readonly<Record<Severity, string>> = {
  info: '2',
  warning: '3',
  error: '4',
  critical: '5',
};

// ntfy shows tags that are emoji short codes as emoji, the rest as text.
const NTFY_TAG: Readonly<Record<NotifyMessage['kind'], string>> = {
  crash: 'warning',
  'crash-summary': 'warning',
  fatal: 'rotating_light',
  recovered: 'white_check_mark',
  camera: 'camera',
  'camera-summary': 'camera',
};

/** Build the request body and headers of one webhook delivery in the receiver's format. */
export function formatWebhook(format: WebhookFormat, message: NotifyMessage): WebhookRequest {
  switch (format) {
    case 'generic':
      return {
        body: JSON.stringify({ source: 'crashproof', ...message }),
        headers: { 'content-type': 'application/json' },
      };
    case 'ntfy':
      return formatNtfy(message);
    case 'slack':
      return {
        body: JSON.stringify({
          text: truncate(
            `*${escapeSlack(message.title)}*\n${escapeSlack(message.text)}`,
            SLACK_MAX_CHARS,
          ),
        }),
        headers: { 'content-type': 'application/json' },
      };
    case 'discord':
      return {
        body: JSON.stringify({
          content: truncate(`**${message.title}**\n${message.text}`, DISCORD_MAX_CHARS),
          // App output can contain "@everyone"; never let it ping anyone.
          allowed_mentions: { parse: [] },
        }),
        headers: { 'content-type': 'application/json' },
      };
  }
}

function formatNtfy(message: NotifyMessage): WebhookRequest {
  const tags = [NTFY_TAG[message.kind], message.category, message.app ?? message.camera].filter(
    (tag): tag is string => tag !== undefined,
  );
  const body =
    message.reportPath === undefined
      ? message.text
      : `${message.text}\nReport: ${message.reportPath}`;

  return {
    body,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      title: headerSafe(message.title),
      priority: NTFY_PRIORITY[message.severity],
      tags: headerSafe(tags.join(',')),
    },
  };
}

/** Slack's incoming webhooks read &, < and > as markup, so they must be escaped. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** HTTP header values must be Latin-1 without line breaks; replace anything else. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
