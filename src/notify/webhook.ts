import type { WebhookConfig } from '../config/schema/notify.js';
import { redactText } from '../crash/redact.js';
import { type Channel, DeliveryError } from './channel.js';
import { formatWebhook } from './format.js';
import type { NotifyMessage } from './message.js';

// Enough of an error response body to show what the receiver objected to.
const ERROR_BODY_MAX_CHARS = 200;

/**
 * Create a webhook channel: one HTTP POST per message in the configured format.
 * The label carries only the URL's origin, because webhook paths often are
 * the secret (Slack and Discord tokens, ntfy topics).
 */
export function createWebhookChannel(config: WebhookConfig, index: number): Channel {
  const label = `webhook ${index + 1} (${new URL(config.url).origin})`;

  return {
    label,
    retries: config.retries,
    retryDelayMs: config.retryDelay,
    async send(message: NotifyMessage, signal: AbortSignal): Promise<void> {
      const request = formatWebhook(config.format, message);
      const timeout = AbortSignal.timeout(config.timeout);

      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          body: request.body,
          headers: { ...request.headers, ...config.headers },
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        if (signal.aborted) throw new DeliveryError('aborted at shutdown', false);
        if (timeout.aborted) throw new DeliveryError(`timed out after ${config.timeout} ms`, true);
        throw new DeliveryError(describeFetchError(error), true);
      }

      if (response.ok) {
        // Read the body so that the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        return;
      }

      const body = await response.text().catch(() => '');
      const excerpt = redactText(body.trim().slice(0, ERROR_BODY_MAX_CHARS));
      const retryable =
        response.status === 408 || response.status === 429 || response.status >= 500;
      throw new DeliveryError(
        `HTTP ${response.status}${excerpt === '' ? '' : `: ${excerpt}`}`,
        retryable,
      );
    },
  };
}

/** Describe why fetch failed from its cause ("connect ECONNREFUSED 127.0.0.1:9"), not "fetch failed". */
function describeFetchError(error: unknown): string {
  let cause = error instanceof Error ? error.cause : undefined;
  // Connecting to a name with several addresses fails with one error per address.
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  if (!(cause instanceof Error)) {
    return redactText(error instanceof Error ? error.message : String(error));
  }

  const code = (cause as NodeJS.ErrnoException).code;
  const text =
    code === undefined || cause.message.includes(code)
      ? cause.message
      : `${cause.message} (${code})`;
  return redactText(text);
}
