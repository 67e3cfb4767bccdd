/**
 * The text and HTML of notification and digest emails. A type's template may override subject,
 * text and html; the defaults render the title, body and link. The digest follows the seed's
 * layout: a summary of counts per type, the most recent items, and a link to the inbox.
 *
 * Invariant: every value that came from an event or a user is HTML-escaped in the HTML part.
 */

export interface EmailNotification {
  type: string;
  title: string;
  body: string | null;
  link: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailTemplate {
  subject?: (n: EmailNotification) => string;
  text?: (n: EmailNotification) => string;
  html?: (n: EmailNotification) => string;
}

export interface DigestContent {
  frequency: 'hourly' | 'daily';
  /** The local date of the digest (YYYY-MM-DD in the user's time zone). */
  date: string;
  counts: { type: string; count: number }[];
  items: { title: string; link: string | null }[];
}

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export function renderNotificationEmail(n: EmailNotification, template: EmailTemplate = {}): RenderedEmail {
  const subject = template.subject?.(n) ?? n.title;
  const text =
    template.text?.(n) ??
    [n.title, n.body ?? '', n.link ? `Open: ${n.link}` : ''].filter(Boolean).join('\n\n');
  const html =
    template.html?.(n) ??
    [
      `<h1>${escapeHtml(n.title)}</h1>`,
      n.body ? `<p>${escapeHtml(n.body)}</p>` : '',
      n.link ? `<p><a href="${escapeHtml(n.link)}">Open</a></p>` : '',
    ].join('');
  return { subject, text, html };
}

export function renderDigestEmail(
  digest: DigestContent,
  options: { appName: string; inboxUrl: string | null; typeLabel: (type: string, count: number) => string },
): RenderedEmail {
  const period = digest.frequency === 'daily' ? 'Daily' : 'Hourly';
  const subject = `${options.appName} ${period} Digest -- ${digest.date}`;
  const summary = digest.counts.map((c) => `- ${options.typeLabel(c.type, c.count)}`);
  const recent = digest.items.map((item, i) => `${i + 1}. ${item.title}`);
  const text = [
    'Summary:',
    ...summary,
    '',
    'Recent Activity:',
    ...recent,
    ...(options.inboxUrl ? ['', `[View all notifications -> ${options.inboxUrl}]`] : []),
  ].join('\n');
  const html = [
    '<h2>Summary</h2><ul>',
    ...digest.counts.map((c) => `<li>${escapeHtml(options.typeLabel(c.type, c.count))}</li>`),
    '</ul><h2>Recent Activity</h2><ol>',
    ...digest.items.map((item) =>
      item.link
        ? `<li><a href="${escapeHtml(item.link)}">${escapeHtml(item.title)}</a></li>`
        : `<li>${escapeHtml(item.title)}</li>`,
    ),
    '</ol>',
    options.inboxUrl ? `<p><a href="${escapeHtml(options.inboxUrl)}">View all notifications</a></p>` : '',
  ].join('');
  return { subject, text, html };
}
