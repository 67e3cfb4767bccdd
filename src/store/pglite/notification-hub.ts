/**
 * NOTIFY across the processes that share a folder. PGlite's one session hears a notification only
 * in the output of the exchange that committed it (a client's NOTIFY reaches that client alone, an
 * in-process one only in-process listeners). The holder therefore LISTENs on each wanted channel
 * in the session once, finds every NotificationResponse in what the session answers (the socket
 * server scans client exchanges; PGlite's own parser reports in-process ones), and publishes it
 * here to every subscriber of the channel: in-process handlers and socket connections that sent
 * `LISTEN`. A notification is published once, whoever caused it.
 *
 * Invariant: the session never UNLISTENs (other subscribers may still want the channel);
 * unsubscribing only stops delivery to that subscriber.
 */
import type { Notification } from './wire-messages.ts';

export type NotificationSubscriber = (notification: Notification) => void;

export interface NotificationHub {
  subscribe(channel: string, subscriber: NotificationSubscriber): () => void;
  publish(notification: Notification): void;
  /** Channels the session LISTENs on already. */
  readonly listened: Set<string>;
}

export function createNotificationHub(): NotificationHub {
  const byChannel = new Map<string, Set<NotificationSubscriber>>();
  return {
    listened: new Set(),
    subscribe(channel, subscriber) {
      let subscribers = byChannel.get(channel);
      if (!subscribers) {
        subscribers = new Set();
        byChannel.set(channel, subscribers);
      }
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    publish(notification) {
      for (const subscriber of byChannel.get(notification.channel) ?? []) subscriber(notification);
    },
  };
}
